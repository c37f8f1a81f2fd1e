using Idrp.Domain.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Idrp.Infrastructure.Persistence.Configurations;

internal sealed class UploadConfiguration : IEntityTypeConfiguration<Upload>
{
    public void Configure(EntityTypeBuilder<Upload> builder)
    {
        builder.ConfigureEntity();
        builder.Property(u => u.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(u => u.StagingKey).HasMaxLength(Limits.Uri);
        builder.Property(u => u.Failure).HasMaxLength(1000);
        builder.HasOne<DataAsset>().WithMany().HasForeignKey(u => u.AssetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(u => new { u.AssetId, u.State });
        builder.HasIndex(u => u.ExpiresAt);
    }
}
