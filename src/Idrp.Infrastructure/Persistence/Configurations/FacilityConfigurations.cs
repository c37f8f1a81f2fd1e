using Idrp.Domain.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Idrp.Infrastructure.Persistence.Configurations;

internal sealed class FacilityConfiguration : IEntityTypeConfiguration<Facility>
{
    public void Configure(EntityTypeBuilder<Facility> builder)
    {
        builder.ConfigureEntity();
        builder.Property(f => f.Code).HasMaxLength(Limits.Code);
        builder.Property(f => f.Name).HasMaxLength(Limits.Name);
        builder.Property(f => f.Description).HasMaxLength(Limits.Text);
        builder.Property(f => f.Country).HasMaxLength(Limits.Code);
        builder.Property(f => f.Url).HasMaxLength(Limits.Uri);
        builder.HasIndex(f => f.Code).IsUnique();
    }
}

internal sealed class FacilityStaffConfiguration : IEntityTypeConfiguration<FacilityStaff>
{
    public void Configure(EntityTypeBuilder<FacilityStaff> builder)
    {
        builder.HasKey(s => new { s.FacilityId, s.PersonId });
        builder.HasIndex(s => s.PersonId);
        builder.HasOne(s => s.Facility).WithMany(f => f.Staff).HasForeignKey(s => s.FacilityId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(s => s.Person).WithMany().HasForeignKey(s => s.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InstrumentConfiguration : IEntityTypeConfiguration<Instrument>
{
    public void Configure(EntityTypeBuilder<Instrument> builder)
    {
        builder.ConfigureEntity();
        builder.Property(i => i.Name).HasMaxLength(Limits.Name);
        builder.Property(i => i.Technique).HasMaxLength(Limits.Code);
        builder.Property(i => i.Description).HasMaxLength(Limits.Text);
        builder.Property(i => i.Manufacturer).HasMaxLength(Limits.Name);
        builder.Property(i => i.Model).HasMaxLength(Limits.Name);
        builder.HasOne(i => i.Facility).WithMany().HasForeignKey(i => i.FacilityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(i => new { i.FacilityId, i.Name }).IsUnique();
    }
}

internal sealed class PersonConfiguration : IEntityTypeConfiguration<Person>
{
    public void Configure(EntityTypeBuilder<Person> builder)
    {
        builder.ConfigureEntity();
        builder.Property(p => p.DisplayName).HasMaxLength(Limits.Name);
        builder.Property(p => p.Email).HasMaxLength(Limits.Name);
        builder.Property(p => p.Orcid).HasMaxLength(19);
        builder.Property(p => p.Affiliation).HasMaxLength(Limits.Name);
        builder.Property(p => p.ExternalSubject).HasMaxLength(Limits.Name);
        builder.HasIndex(p => p.ExternalSubject).IsUnique();
        builder.HasIndex(p => p.Email);
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Name).HasMaxLength(Limits.Name);
        builder.Property(t => t.Prefix).HasMaxLength(16);
        builder.Property(t => t.Hash).HasMaxLength(64);
        builder.Property(t => t.Scope).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(t => t.Hash).IsUnique();
        builder.HasIndex(t => t.PersonId);
        builder.HasOne<Person>().WithMany().HasForeignKey(t => t.PersonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Action).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.EntityType).HasMaxLength(64);
        builder.HasIndex(a => a.EntityId);
        builder.HasIndex(a => a.ProposalId);
    }
}
