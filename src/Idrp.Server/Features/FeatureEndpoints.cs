using Idrp.Server.Features.Account;
using Idrp.Server.Features.Audit;
using Idrp.Server.Features.DataAssets;
using Idrp.Server.Features.Derivations;
using Idrp.Server.Features.Downloads;
using Idrp.Server.Features.Experiments;
using Idrp.Server.Features.Facilities;
using Idrp.Server.Features.Fixity;
using Idrp.Server.Features.Instruments;
using Idrp.Server.Features.Jobs;
using Idrp.Server.Features.Kmap;
using Idrp.Server.Features.Measurements;
using Idrp.Server.Features.People;
using Idrp.Server.Features.Proposals;
using Idrp.Server.Features.Samples;
using Idrp.Server.Features.Search;
using Idrp.Server.Features.Uploads;

namespace Idrp.Server.Features;

internal static class FeatureEndpoints
{
    /// <summary>The API's table of contents: one group per feature under /api/v1.</summary>
    public static RouteGroupBuilder MapIdrpFeatures(this RouteGroupBuilder api)
    {
        api.MapAccount();
        api.MapPeople();
        api.MapFacilities();
        api.MapInstruments();
        api.MapProposals();
        api.MapExperiments();
        api.MapSamples();
        api.MapMeasurements();
        api.MapDataAssets();
        api.MapAssetCategories();
        api.MapDerivations();
        api.MapUploads();
        api.MapBatchUploads();
        api.MapDownloads();
        api.MapFixity();
        api.MapJobs();
        api.MapKmap();
        api.MapAudit();
        api.MapSearch();
        Sem.SemApi.MapSem(api);
        return api;
    }
}
