using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Idrp.Infrastructure.Persistence;

/// <summary>Stores an instant as UTC ticks; the offset is not kept (every instant is handled in UTC).</summary>
internal sealed class DateTimeOffsetToUtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.UtcTicks,
    v => new DateTimeOffset(v, TimeSpan.Zero));
