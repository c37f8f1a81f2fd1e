using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Idrp.Infrastructure.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the configured <see cref="IBlobStore"/>; settings are read when it is first needed.</summary>
    public static IServiceCollection AddIdrpStorage(this IServiceCollection services, Func<IServiceProvider, (StorageOptions Storage, string DataDirectory)> settings)
    {
        services.AddSingleton<IBlobStore>(sp =>
        {
            var (storage, dataDirectory) = settings(sp);
            IBlobStore store = storage.Provider switch
            {
                StorageProvider.Local => new LocalBlobStore(string.IsNullOrWhiteSpace(storage.LocalRoot) ? Path.Combine(dataDirectory, "blobs") : storage.LocalRoot),
                StorageProvider.S3 => new S3BlobStore(storage.S3),
                var other => throw new InvalidOperationException($"Unknown storage provider '{other}'."),
            };
            return store;
        });
        services.AddOptions<ArchiveOptions>().BindConfiguration(ArchiveOptions.Section);
        services.AddSingleton(sp => new ArchiveLinks(sp.GetRequiredService<IOptions<ArchiveOptions>>().Value));
        return services;
    }
}
