using Idrp.Domain.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Idrp.Infrastructure.Persistence.Configurations;

internal sealed class MeasurementConfiguration : IEntityTypeConfiguration<Measurement>
{
    public void Configure(EntityTypeBuilder<Measurement> builder)
    {
        builder.ConfigureEntity();
        builder.Property(m => m.MeasurementName).HasMaxLength(Limits.Name);
        builder.Property(m => m.MeasurementDescription).HasMaxLength(Limits.Text);
        builder.Property(m => m.Technique).HasMaxLength(Limits.Code);
        builder.Property(m => m.Licence).HasMaxLength(Limits.Code);
        builder.Property(m => m.Visibility).HasConversion<string>().HasMaxLength(16);
        builder.PrimitiveCollection(m => m.Keywords);
        builder.Property(m => m.Settings).HasJsonConversion();
        builder.Property(m => m.Categories).HasJsonConversion();
        builder.HasOne(m => m.Experiment).WithMany(e => e.Measurements).HasForeignKey(m => m.ExperimentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(m => m.Proposal).WithMany(p => p.Measurements).HasForeignKey(m => m.ProposalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(m => m.Sample).WithMany(s => s.Measurements).HasForeignKey(m => m.SampleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(m => m.Instrument).WithMany().HasForeignKey(m => m.InstrumentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(m => new { m.ExperimentId, m.Id });
        builder.HasIndex(m => new { m.ProposalId, m.Id });
        builder.HasIndex(m => new { m.Visibility, m.Id });
    }
}

internal sealed class MeasurementShareConfiguration : IEntityTypeConfiguration<MeasurementShare>
{
    public void Configure(EntityTypeBuilder<MeasurementShare> builder)
    {
        builder.HasKey(s => new { s.MeasurementId, s.PersonId });
        builder.HasIndex(s => s.PersonId);
        builder.HasOne(s => s.Measurement).WithMany(m => m.Shares).HasForeignKey(s => s.MeasurementId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.Person).WithMany().HasForeignKey(s => s.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DataAssetConfiguration : IEntityTypeConfiguration<DataAsset>
{
    public void Configure(EntityTypeBuilder<DataAsset> builder)
    {
        builder.ConfigureEntity();
        builder.Property(a => a.DataAssetName).HasMaxLength(Limits.FileName);
        builder.Property(a => a.RelativePath).HasMaxLength(Limits.Uri);
        builder.Property(a => a.DataChecksum).HasMaxLength(Limits.Checksum);
        builder.Property(a => a.Md5).HasMaxLength(32);
        builder.Property(a => a.IntellectualPropertyRights).HasMaxLength(Limits.Name);
        builder.Property(a => a.MediaType).HasMaxLength(Limits.Code);
        builder.Property(a => a.Storage).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.BlobKey).HasMaxLength(Limits.Uri);
        builder.Property(a => a.LinkUri).HasMaxLength(Limits.Uri);
        builder.Property(a => a.FixityStatus).HasMaxLength(16);
        builder.HasOne(a => a.Measurement).WithMany(m => m.DataAssets).HasForeignKey(a => a.MeasurementId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Proposal>().WithMany().HasForeignKey(a => a.ProposalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(a => new { a.MeasurementId, a.RelativePath, a.DataAssetName }).IsUnique();
        builder.HasIndex(a => new { a.ProposalId, a.Id });

        // A measurement's files page by id (the measurement page, GET /data-assets?measurementId=): a range seek
        // instead of sorting all of a measurement's 10,000 files for every page.
        builder.HasIndex(a => new { a.MeasurementId, a.Id });
        builder.HasIndex(a => a.FixityCheckedAt);
    }
}

internal sealed class DerivationConfiguration : IEntityTypeConfiguration<Derivation>
{
    public void Configure(EntityTypeBuilder<Derivation> builder)
    {
        builder.ConfigureEntity();
        builder.Property(d => d.Activity).HasMaxLength(Limits.Code);
        builder.Property(d => d.ActivityVersion).HasMaxLength(Limits.Code);
        builder.Property(d => d.Parameters).HasMaxLength(Limits.Text);
        builder.HasOne(d => d.Proposal).WithMany().HasForeignKey(d => d.ProposalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(d => d.OutputAsset).WithMany().HasForeignKey(d => d.OutputAssetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(d => d.OutputMeasurement).WithMany().HasForeignKey(d => d.OutputMeasurementId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(d => d.Inputs).WithOne().HasForeignKey(i => i.DerivationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(d => d.OutputAssetId);
        builder.HasIndex(d => d.OutputMeasurementId);
        builder.HasIndex(d => d.JobId);
    }
}

internal sealed class DerivationInputConfiguration : IEntityTypeConfiguration<DerivationInput>
{
    public void Configure(EntityTypeBuilder<DerivationInput> builder)
    {
        builder.HasKey(i => new { i.DerivationId, i.AssetId });
        builder.HasIndex(i => i.AssetId);
        builder.HasOne<DataAsset>().WithMany().HasForeignKey(i => i.AssetId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class AssetCategoryConfiguration : IEntityTypeConfiguration<AssetCategory>
{
    public void Configure(EntityTypeBuilder<AssetCategory> builder)
    {
        builder.ConfigureEntity();
        builder.Ignore(c => c.IsPerson);
        builder.Property(c => c.Scheme).HasMaxLength(Limits.Code);
        builder.Property(c => c.Value).HasMaxLength(Limits.Name);
        builder.Property(c => c.Source).HasMaxLength(Limits.Name);
        builder.HasOne<DataAsset>().WithMany().HasForeignKey(c => c.DataAssetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Measurement>().WithMany().HasForeignKey(c => c.MeasurementId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Proposal>().WithMany().HasForeignKey(c => c.ProposalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => new { c.DataAssetId, c.Scheme, c.Source }).IsUnique();
        builder.HasIndex(c => new { c.MeasurementId, c.Scheme });
        builder.HasIndex(c => new { c.ProposalId, c.Id });
    }
}
