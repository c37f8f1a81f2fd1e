using System.Text.Json;
using Idrp.Domain.Model;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Idrp.Infrastructure.Persistence.Configurations;

/// <summary>Column limits shared by the store and the API's validation.</summary>
public static class Limits
{
    public const int Code = 64;
    public const int Name = 300;
    public const int FileName = 255;
    public const int Uri = 2048;
    public const int Checksum = 160;
    public const int Text = 20_000;
}

internal static class ModelBuilderExtensions
{
    /// <summary>Key, client-generated v7 id and the version used as concurrency token.</summary>
    public static void ConfigureEntity<T>(this EntityTypeBuilder<T> builder)
        where T : Entity
    {
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Version).IsConcurrencyToken();
    }

    /// <summary>
    /// Stores a list of small value objects as one JSON text column. Change tracking compares and
    /// snapshots by JSON, so an edit inside the list marks the record modified and the audit event
    /// gets the list as it was before.
    /// </summary>
    public static PropertyBuilder<List<T>> HasJsonConversion<T>(this PropertyBuilder<List<T>> property)
    {
        property.HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            v => JsonSerializer.Deserialize<List<T>>(v, Json) ?? new List<T>(),
            new ValueComparer<List<T>>(
                (a, b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json),
                v => JsonSerializer.Serialize(v, Json).GetHashCode(StringComparison.Ordinal),
                v => JsonSerializer.Deserialize<List<T>>(JsonSerializer.Serialize(v, Json), Json)!));
        return property;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
