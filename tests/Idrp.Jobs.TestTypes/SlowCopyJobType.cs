using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Idrp.Domain.Jobs;

namespace Idrp.Jobs.TestTypes;

public sealed class SlowCopyParameters
{
    /// <summary>How long the job works before it writes its outputs.</summary>
    [Range(0, 600)]
    public double Seconds { get; set; } = 1;

    /// <summary>When set, the job fails with this message instead of finishing.</summary>
    [StringLength(200)]
    public string? FailWith { get; set; }

    /// <summary>When set, the job tags the measurement with this category ("test-category" scheme), with confidence 0.75.</summary>
    [StringLength(60)]
    public string? Category { get; set; }

    /// <summary>Suffix of the output names, so that reruns in one measurement do not collide.</summary>
    [Required]
    [RegularExpression("^[a-z0-9-]{1,40}$")]
    public string Tag { get; set; } = "copy";
}

/// <summary>
/// Copies each input to "copies/{name}.{tag}" after working for a while, reporting progress. The outputs are written
/// halfway through, so a worker killed after that leaves staged outputs of a failed attempt behind.
/// </summary>
public sealed class SlowCopyJobType : JobType<SlowCopyParameters>
{
    public override string Name => "test.slow-copy";

    public override string Version => "1";

    public override string Description => "Test job: waits, copies its inputs, optionally fails.";

    protected override async Task RunAsync(IJobContext context, SlowCopyParameters parameters, CancellationToken cancellationToken)
    {
        var steps = Math.Max(1, (int)(parameters.Seconds * 10));
        for (var i = 0; i < steps; i++)
        {
            if (i == steps / 2)
            {
                foreach (var input in context.Inputs)
                {
                    await using var source = await context.OpenInputAsync(input, cancellationToken);
                    await context.AddOutputAsync($"{input.Name}.{parameters.Tag}", source, input.MediaType, [input], "copies", cancellationToken);
                }
            }

            context.ReportProgress((double)i / steps, $"step {i + 1} of {steps}");
            await Task.Delay(TimeSpan.FromSeconds(parameters.Seconds / steps), cancellationToken);
        }

        if (parameters.FailWith is { } message)
        {
            throw new JobFailedException(message);
        }

        if (parameters.Category is { } category)
        {
            context.AddCategory("test-category", category, 0.75);
        }

        context.Log($"Copied {context.Inputs.Count} input(s) on attempt {context.Attempt}.");
        context.SetResult(new JsonObject { ["copied"] = context.Inputs.Count, ["attempt"] = context.Attempt });
    }
}
