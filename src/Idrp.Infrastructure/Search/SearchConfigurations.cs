using Idrp.Infrastructure.Persistence.Configurations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Idrp.Infrastructure.Search;

internal sealed class SearchDocumentConfiguration : IEntityTypeConfiguration<SearchDocument>
{
    public void Configure(EntityTypeBuilder<SearchDocument> builder)
    {
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedOnAdd();
        builder.HasIndex(d => d.MeasurementId).IsUnique();
        builder.HasOne(d => d.Measurement).WithMany().HasForeignKey(d => d.MeasurementId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(d => d.Categories).WithOne().HasForeignKey(c => c.DocumentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(d => d.Settings).WithOne().HasForeignKey(s => s.DocumentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(d => d.Content).WithOne().HasForeignKey<SearchDocumentText>(t => t.DocumentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(d => new { d.CollectedAt, d.Id });
        builder.HasIndex(d => new { d.FacilityId, d.Id });
        builder.HasIndex(d => new { d.Year, d.Id });
        builder.Property(d => d.Technique).HasMaxLength(Limits.Code);
        builder.Property(d => d.Licence).HasMaxLength(Limits.Code);
        builder.Property(d => d.Visibility).HasConversion<string>().HasMaxLength(16);

        // The access rule's terms (CanReadIndexed) and the facet filters, each on one column of this table.
        builder.HasIndex(d => new { d.ProposalId, d.CollectedAt });
        builder.HasIndex(d => new { d.PublicFrom, d.CollectedAt });
        builder.HasIndex(d => new { d.InstrumentId, d.CollectedAt });
        builder.HasIndex(d => new { d.Technique, d.Year });
    }
}

internal sealed class SearchDocumentTextConfiguration : IEntityTypeConfiguration<SearchDocumentText>
{
    public void Configure(EntityTypeBuilder<SearchDocumentText> builder)
    {
        builder.ToTable("search_texts");
        builder.HasKey(t => t.DocumentId);
        builder.Property(t => t.DocumentId).ValueGeneratedNever();
    }
}

internal sealed class SearchCategoryConfiguration : IEntityTypeConfiguration<SearchCategory>
{
    public void Configure(EntityTypeBuilder<SearchCategory> builder)
    {
        builder.HasKey(c => new { c.DocumentId, c.Value });
        builder.Property(c => c.Value).HasMaxLength(200);
        builder.HasIndex(c => new { c.Value, c.DocumentId });
    }
}

internal sealed class SearchSettingConfiguration : IEntityTypeConfiguration<SearchSetting>
{
    public void Configure(EntityTypeBuilder<SearchSetting> builder)
    {
        builder.HasKey(s => new { s.DocumentId, s.Key });
        builder.Property(s => s.Key).HasMaxLength(200);
        builder.Property(s => s.Unit).HasMaxLength(32);
        builder.HasIndex(s => new { s.Key, s.Unit, s.Value, s.DocumentId });
        builder.HasIndex(s => new { s.Key, s.RawValue, s.DocumentId });
    }
}

internal sealed class SearchHitConfiguration : IEntityTypeConfiguration<SearchHit>
{
    public void Configure(EntityTypeBuilder<SearchHit> builder) =>
        builder.HasNoKey().ToTable("search_hits", t => t.ExcludeFromMigrations());
}
