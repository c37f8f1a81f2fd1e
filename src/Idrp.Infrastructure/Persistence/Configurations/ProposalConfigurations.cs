using Idrp.Domain.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Idrp.Infrastructure.Persistence.Configurations;

internal sealed class ProposalConfiguration : IEntityTypeConfiguration<Proposal>
{
    public void Configure(EntityTypeBuilder<Proposal> builder)
    {
        builder.ConfigureEntity();
        builder.Property(p => p.ProposalNumber).HasMaxLength(Limits.Code);
        builder.Property(p => p.Title).HasMaxLength(Limits.Name);
        builder.Property(p => p.Abstract).HasMaxLength(Limits.Text);
        builder.Property(p => p.Source).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(p => p.ProposalNumber).IsUnique();
    }
}

internal sealed class ProposalMemberConfiguration : IEntityTypeConfiguration<ProposalMember>
{
    public void Configure(EntityTypeBuilder<ProposalMember> builder)
    {
        builder.HasKey(m => new { m.ProposalId, m.PersonId });
        builder.Property(m => m.Role).HasConversion<string>().HasMaxLength(32);
        builder.HasIndex(m => m.PersonId);
        builder.HasOne(m => m.Proposal).WithMany(p => p.Members).HasForeignKey(m => m.ProposalId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.Person).WithMany().HasForeignKey(m => m.PersonId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ProposalFacilityConfiguration : IEntityTypeConfiguration<ProposalFacility>
{
    public void Configure(EntityTypeBuilder<ProposalFacility> builder)
    {
        builder.HasKey(f => new { f.ProposalId, f.FacilityId });
        builder.HasIndex(f => f.FacilityId);
        builder.HasOne(f => f.Proposal).WithMany(p => p.Facilities).HasForeignKey(f => f.ProposalId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(f => f.Facility).WithMany().HasForeignKey(f => f.FacilityId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ExperimentConfiguration : IEntityTypeConfiguration<Experiment>
{
    public void Configure(EntityTypeBuilder<Experiment> builder)
    {
        builder.ConfigureEntity();
        builder.Property(e => e.Name).HasMaxLength(Limits.Name);
        builder.Property(e => e.Description).HasMaxLength(Limits.Text);
        builder.HasOne(e => e.Proposal).WithMany(p => p.Experiments).HasForeignKey(e => e.ProposalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Facility>().WithMany().HasForeignKey(e => e.FacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Instrument>().WithMany().HasForeignKey(e => e.InstrumentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(e => new { e.ProposalId, e.Id });
    }
}

internal sealed class SampleConfiguration : IEntityTypeConfiguration<Sample>
{
    public void Configure(EntityTypeBuilder<Sample> builder)
    {
        builder.ConfigureEntity();
        builder.Property(s => s.Name).HasMaxLength(Limits.Name);
        builder.Property(s => s.Description).HasMaxLength(Limits.Text);
        builder.Property(s => s.Composition).HasMaxLength(Limits.Name);
        builder.Property(s => s.Preparation).HasMaxLength(Limits.Text);
        builder.HasOne(s => s.Proposal).WithMany(p => p.Samples).HasForeignKey(s => s.ProposalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(s => new { s.ProposalId, s.Id });
    }
}
