using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Idrp.Domain.Model;
using Idrp.Infrastructure.Persistence.Configurations;

namespace Idrp.Server.Features.Measurements;

/// <summary>One instrument setting, e.g. {"key": "EHT", "value": 5, "unit": "kV"}; value is a number, a string or a boolean.</summary>
public sealed record SettingDto(
    [property: Required, StringLength(200, MinimumLength = 1)] string Key,
    JsonElement Value,
    [property: StringLength(32)] string? Unit = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
        {
            yield return new ValidationResult("A setting's value is a number, a string or a boolean.", [nameof(Value)]);
        }
        else if (Value.ValueKind == JsonValueKind.String && Value.GetString()!.Length > 2000)
        {
            yield return new ValidationResult("A setting's value is at most 2000 characters.", [nameof(Value)]);
        }
    }
}

/// <summary>A category such as an SEM category; <c>source</c> defaults to the person who sets it.</summary>
public sealed record CategoryDto(
    [property: Required, StringLength(64, MinimumLength = 1)] string Scheme,
    [property: Required, StringLength(200, MinimumLength = 1)] string Value,
    [property: StringLength(200)] string? Source = null,
    [property: Range(0.0, 1.0)] double? Confidence = null);

public sealed record MeasurementResponse(
    Guid Id,
    Guid ExperimentId,
    Guid ProposalId,
    Guid? SampleId,
    Guid? InstrumentId,
    string MeasurementName,
    string? MeasurementDescription,
    string? Technique,
    DateTimeOffset? DateOfCollection,
    IReadOnlyList<SettingDto> Settings,
    IReadOnlyList<string> Keywords,
    IReadOnlyList<CategoryDto> Categories,
    Visibility Visibility,
    DateTimeOffset? EmbargoUntil,
    bool SharedWithSignedInUsers,
    string? Licence,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

/// <summary>
/// Editable fields of a measurement. Visibility, embargo, sharing and licence are publication decisions:
/// only the PI, facility staff or an admin may change them.
/// </summary>
public record MeasurementUpdate(
    [property: Required, StringLength(Limits.Name, MinimumLength = 1)] string MeasurementName,
    [property: StringLength(Limits.Text)] string? MeasurementDescription = null,
    Guid? SampleId = null,
    Guid? InstrumentId = null,
    [property: StringLength(Limits.Code)] string? Technique = null,
    DateTimeOffset? DateOfCollection = null,
    IReadOnlyList<SettingDto>? Settings = null,
    IReadOnlyList<string>? Keywords = null,
    IReadOnlyList<CategoryDto>? Categories = null,
    Visibility Visibility = Visibility.Private,
    DateTimeOffset? EmbargoUntil = null,
    bool SharedWithSignedInUsers = false,
    [property: StringLength(Limits.Code)] string? Licence = null) : IValidatableObject
{
    public const int MaxSettings = 1000;
    public const int MaxKeywords = 100;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Settings?.Count > MaxSettings)
        {
            yield return new ValidationResult($"At most {MaxSettings} settings.", [nameof(Settings)]);
        }

        if (Settings?.GroupBy(s => s.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            yield return new ValidationResult($"The setting '{duplicate.Key}' is given twice.", [nameof(Settings)]);
        }

        if (Keywords?.Count > MaxKeywords)
        {
            yield return new ValidationResult($"At most {MaxKeywords} keywords.", [nameof(Keywords)]);
        }

        if (Keywords?.Any(k => string.IsNullOrWhiteSpace(k) || k.Length > 100) == true)
        {
            yield return new ValidationResult("Keywords are 1 to 100 characters.", [nameof(Keywords)]);
        }

        if (Categories?.Count > 50)
        {
            yield return new ValidationResult("At most 50 categories.", [nameof(Categories)]);
        }
    }
}

public sealed record CreateMeasurementRequest(
    Guid ExperimentId,
    string MeasurementName,
    string? MeasurementDescription = null,
    Guid? SampleId = null,
    Guid? InstrumentId = null,
    string? Technique = null,
    DateTimeOffset? DateOfCollection = null,
    IReadOnlyList<SettingDto>? Settings = null,
    IReadOnlyList<string>? Keywords = null,
    IReadOnlyList<CategoryDto>? Categories = null,
    Visibility Visibility = Visibility.Private,
    DateTimeOffset? EmbargoUntil = null,
    bool SharedWithSignedInUsers = false,
    string? Licence = null)
    : MeasurementUpdate(MeasurementName, MeasurementDescription, SampleId, InstrumentId, Technique, DateOfCollection,
        Settings, Keywords, Categories, Visibility, EmbargoUntil, SharedWithSignedInUsers, Licence);

internal static class MeasurementMapping
{
    public static MeasurementResponse ToResponse(this Measurement m) => new(
        m.Id, m.ExperimentId, m.ProposalId, m.SampleId, m.InstrumentId, m.MeasurementName, m.MeasurementDescription,
        m.Technique, m.DateOfCollection, m.Settings.ConvertAll(ToDto), m.Keywords,
        m.Categories.ConvertAll(c => new CategoryDto(c.Scheme, c.Value, c.Source, c.Confidence)),
        m.Visibility, m.EmbargoUntil, m.SharedWithSignedInUsers, m.Licence, m.CreatedAt, m.UpdatedAt, m.Version);

    public static MeasurementUpdate ToUpdate(this Measurement m) => new(
        m.MeasurementName, m.MeasurementDescription, m.SampleId, m.InstrumentId, m.Technique, m.DateOfCollection,
        m.Settings.ConvertAll(ToDto), m.Keywords, m.Categories.ConvertAll(c => new CategoryDto(c.Scheme, c.Value, c.Source, c.Confidence)),
        m.Visibility, m.EmbargoUntil, m.SharedWithSignedInUsers, m.Licence);

    /// <summary>Whether the update changes any publication decision (visibility, embargo, sharing, licence).</summary>
    public static bool ChangesPublication(this Measurement m, MeasurementUpdate u) =>
        m.Visibility != u.Visibility || m.EmbargoUntil != u.EmbargoUntil?.ToUniversalTime()
        || m.SharedWithSignedInUsers != u.SharedWithSignedInUsers || m.Licence != u.Licence;

    public static void Apply(this Measurement m, MeasurementUpdate u, Guid? actorId)
    {
        m.MeasurementName = u.MeasurementName.Trim();
        m.MeasurementDescription = u.MeasurementDescription;
        m.SampleId = u.SampleId;
        m.InstrumentId = u.InstrumentId;
        m.Technique = u.Technique;
        m.DateOfCollection = u.DateOfCollection?.ToUniversalTime();
        m.Settings = (u.Settings ?? []).Select(FromDto).ToList();
        m.Keywords = (u.Keywords ?? []).Select(k => k.Trim()).Distinct(StringComparer.Ordinal).ToList();
        m.Categories = (u.Categories ?? []).Select(c => new CategoryTag
        {
            Scheme = c.Scheme,
            Value = c.Value,
            Source = c.Source ?? $"person:{actorId}",
            Confidence = c.Confidence,
        }).ToList();
        m.Visibility = u.Visibility;
        m.EmbargoUntil = u.EmbargoUntil?.ToUniversalTime();
        m.SharedWithSignedInUsers = u.SharedWithSignedInUsers;
        m.Licence = u.Licence;
    }

    private static SettingDto ToDto(InstrumentSetting s)
    {
        var value = s.Kind switch
        {
            // The number's own text, so that 4.20 or 1e3 come back as they were sent.
            SettingKind.Number => JsonDocument.Parse(s.Value).RootElement.Clone(),
            SettingKind.Boolean => JsonSerializer.SerializeToElement(s.Value == "true"),
            _ => JsonSerializer.SerializeToElement(s.Value),
        };
        return new SettingDto(s.Key, value, s.Unit);
    }

    private static InstrumentSetting FromDto(SettingDto d)
    {
        var text = d.Value.ValueKind switch
        {
            JsonValueKind.String => d.Value.GetString()!,
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => d.Value.GetRawText(),
        };
        double? number = d.Value.ValueKind == JsonValueKind.Number ? d.Value.GetDouble()
            : d.Value.ValueKind == JsonValueKind.String && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed) ? parsed
            : null;
        var kind = d.Value.ValueKind switch
        {
            JsonValueKind.Number => SettingKind.Number,
            JsonValueKind.True or JsonValueKind.False => SettingKind.Boolean,
            _ => SettingKind.Text,
        };
        return new InstrumentSetting { Key = d.Key.Trim(), Value = text, Kind = kind, NumericValue = number, Unit = d.Unit };
    }
}
