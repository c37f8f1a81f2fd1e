using Idrp.Domain.Jobs;
using Idrp.Domain.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Idrp.Infrastructure.Persistence.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        builder.ConfigureEntity();
        builder.Property(j => j.Type).HasMaxLength(Limits.Code);
        builder.Property(j => j.TypeVersion).HasMaxLength(Limits.Code);
        builder.Property(j => j.Parameters).HasMaxLength(Limits.Text);
        builder.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.ProgressMessage).HasMaxLength(Limits.Name);
        builder.Property(j => j.Worker).HasMaxLength(Limits.Name);
        builder.Property(j => j.Error).HasMaxLength(2000);
        builder.HasOne<Proposal>().WithMany().HasForeignKey(j => j.ProposalId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Measurement>().WithMany().HasForeignKey(j => j.TargetMeasurementId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(j => j.Inputs).WithOne().HasForeignKey(i => i.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => new { j.OwnerId, j.Id });
        builder.HasIndex(j => new { j.ProposalId, j.Id });
        builder.HasIndex(j => new { j.TargetMeasurementId, j.Id });
        builder.HasIndex(j => new { j.State, j.Id });
    }
}

internal sealed class JobInputConfiguration : IEntityTypeConfiguration<JobInput>
{
    public void Configure(EntityTypeBuilder<JobInput> builder)
    {
        builder.HasKey(i => new { i.JobId, i.AssetId });
        // An input deleted later keeps the job's history readable; the job just no longer links to it.
        builder.HasOne<DataAsset>().WithMany().HasForeignKey(i => i.AssetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(i => i.AssetId);
    }
}

internal sealed class JobLogEntryConfiguration : IEntityTypeConfiguration<JobLogEntry>
{
    public void Configure(EntityTypeBuilder<JobLogEntry> builder)
    {
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).ValueGeneratedNever();
        builder.Property(l => l.Level).HasConversion<string>().HasMaxLength(16);
        builder.Property(l => l.Message).HasMaxLength(Limits.Text);
        builder.HasOne<Job>().WithMany().HasForeignKey(l => l.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(l => new { l.JobId, l.Id });
    }
}

internal sealed class JobOutputConfiguration : IEntityTypeConfiguration<JobOutput>
{
    public void Configure(EntityTypeBuilder<JobOutput> builder)
    {
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).ValueGeneratedNever();
        builder.Property(o => o.Name).HasMaxLength(Limits.FileName);
        builder.Property(o => o.RelativePath).HasMaxLength(Limits.Uri);
        builder.Property(o => o.MediaType).HasMaxLength(Limits.Code * 2);
        builder.Property(o => o.StagingKey).HasMaxLength(Limits.Uri);
        builder.Property(o => o.Sha256).HasMaxLength(Limits.Checksum);
        builder.Property(o => o.Md5).HasMaxLength(Limits.Checksum);
        builder.Property(o => o.DerivedFrom).HasMaxLength(Limits.Text);
        builder.HasOne<Job>().WithMany().HasForeignKey(o => o.JobId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(o => new { o.JobId, o.Attempt });
    }
}
