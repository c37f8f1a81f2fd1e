using System.Text.Json.Nodes;
using Idrp.Cli.Api;

namespace Idrp.Cli.Commands;

/// <summary>Finds proposals, experiments and measurements by id or by their human name.</summary>
internal static class Resolve
{
    /// <summary>
    /// A proposal by id, or by number. The API has no filter by number, so this reads the caller's proposals
    /// page by page; fine for the hundreds a person sees.
    /// </summary>
    public static async Task<JsonObject> ProposalAsync(IdrpApi api, string idOrNumber, CancellationToken ct)
    {
        if (Guid.TryParse(idOrNumber, out var id))
        {
            return await api.GetAsync($"api/v1/proposals/{id}", ct);
        }

        await foreach (var proposal in api.ListAsync("api/v1/proposals", ct))
        {
            if (string.Equals(proposal.Str("proposalNumber"), idOrNumber, StringComparison.Ordinal))
            {
                return proposal;
            }
        }

        throw new CliException(ExitCodes.ForbiddenOrNotFound, $"There is no proposal numbered '{idOrNumber}' that you may see.");
    }

    public static async Task<Guid> ProposalIdAsync(IdrpApi api, string idOrNumber, CancellationToken ct) =>
        Guid.TryParse(idOrNumber, out var id) ? id : (await ProposalAsync(api, idOrNumber, ct)).Id();

    /// <summary>An experiment by id, or by name within the proposal, created when there is none of that name.</summary>
    public static async Task<(JsonObject Record, bool Created)> ExperimentAsync(IdrpApi api, Guid proposalId, string idOrName, CancellationToken ct)
    {
        if (Guid.TryParse(idOrName, out var id))
        {
            var experiment = await api.GetAsync($"api/v1/experiments/{id}", ct);
            if (experiment.Str("proposalId") != proposalId.ToString())
            {
                throw new CliException(ExitCodes.Usage, $"Experiment {id} belongs to another proposal.");
            }

            return (experiment, false);
        }

        await foreach (var experiment in api.ListAsync($"api/v1/experiments?proposalId={proposalId}", ct))
        {
            if (string.Equals(experiment.Str("name"), idOrName, StringComparison.Ordinal))
            {
                return (experiment, false);
            }
        }

        return (await api.PostAsync("api/v1/experiments", new { proposalId, name = idOrName }, ct), true);
    }

    /// <summary>A measurement by id, or by name within the experiment, created when there is none of that name.</summary>
    public static async Task<(JsonObject Record, bool Created)> MeasurementAsync(IdrpApi api, Guid experimentId, string idOrName, CancellationToken ct)
    {
        if (Guid.TryParse(idOrName, out var id))
        {
            var measurement = await api.GetAsync($"api/v1/measurements/{id}", ct);
            if (measurement.Str("experimentId") != experimentId.ToString())
            {
                throw new CliException(ExitCodes.Usage, $"Measurement {id} belongs to another experiment.");
            }

            return (measurement, false);
        }

        await foreach (var measurement in api.ListAsync($"api/v1/measurements?experimentId={experimentId}", ct))
        {
            if (string.Equals(measurement.Str("measurementName"), idOrName, StringComparison.Ordinal))
            {
                return (measurement, false);
            }
        }

        return (await api.PostAsync("api/v1/measurements", new { experimentId, measurementName = idOrName }, ct), true);
    }
}
