using Idrp.Analysis.Sem;
using Idrp.Analysis.Sem.Synthetic;
using Idrp.Imaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Idrp.Server.Features.Sem;

/// <summary>
/// The representative image of each SEM category that the review page shows next to its name: a small synthetic image
/// from the generator (<see cref="SyntheticSem"/>), the same on every server and available before anyone has confirmed
/// anything. Real users' images would be better pictures but may not be shown to everyone; these need no access rule.
/// </summary>
internal static class SemApi
{
    private static readonly Lazy<byte[]>[] s_examples = [.. SemCategories.All.Select((category, i) => new Lazy<byte[]>(() =>
    {
        using var png = new MemoryStream();
        ImageEncoder.WritePng(SyntheticSem.Generate(category, 0, seed: 7, width: 192, height: 144), png);
        return png.ToArray();
    }))];

    public static RouteGroupBuilder MapSem(this RouteGroupBuilder api)
    {
        api.MapGet("/sem/examples/{index:int}", Example).AllowAnonymous().WithTags("SEM").WithName("GetSemExample")
            .WithSummary("A representative (synthetic) PNG image of SEM category 0…9, in the order of GET /api/v1/sem/categories.");
        api.MapGet("/sem/categories", () => TypedResults.Ok(SemCategories.All)).AllowAnonymous().WithTags("SEM").WithName("ListSemCategories")
            .WithSummary("The ten SEM categories of the NFFA-Europe data set, in the order the web UI's keys 0…9 pick them.");
        return api;
    }

    private static Results<FileContentHttpResult, NotFound> Example(int index, HttpContext http)
    {
        if (index < 0 || index >= s_examples.Length)
        {
            return TypedResults.NotFound();
        }

        http.Response.Headers.CacheControl = "public, max-age=86400";
        return TypedResults.File(s_examples[index].Value, "image/png");
    }
}
