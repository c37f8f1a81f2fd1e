using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Idrp.Testing;

/// <summary>
/// The blob store a test server runs on: by default the local folder; when IDRP_TEST_S3 holds the URL of
/// an S3-compatible service (the test script starts moto_server), a fresh bucket there.
/// </summary>
public sealed class TestStorage
{
    public const string S3Variable = "IDRP_TEST_S3";

    private TestStorage(string? serviceUrl, string? bucket)
    {
        ServiceUrl = serviceUrl;
        Bucket = bucket;
    }

    public string? ServiceUrl { get; }

    public string? Bucket { get; }

    public bool IsS3 => Bucket is not null;

    public IReadOnlyDictionary<string, string?> Settings => IsS3
        ? new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "S3",
            ["Storage:S3:ServiceUrl"] = ServiceUrl,
            ["Storage:S3:Bucket"] = Bucket,
            ["Storage:S3:AccessKey"] = "test",
            ["Storage:S3:SecretKey"] = "test",
        }
        : new Dictionary<string, string?>();

    public static async Task<TestStorage> CreateAsync()
    {
        var url = Environment.GetEnvironmentVariable(S3Variable);
        if (string.IsNullOrWhiteSpace(url))
        {
            return new TestStorage(null, null);
        }

        var bucket = "idrp-test-" + Guid.NewGuid().ToString("N")[..16];
        using var s3 = Client(url);
        await s3.PutBucketAsync(bucket);
        return new TestStorage(url, bucket);
    }

    /// <summary>Names of the objects (S3) or files (local, relative to the store's folder) under a key prefix.</summary>
    public async Task<List<string>> ListAsync(string dataDirectory, string prefix)
    {
        if (!IsS3)
        {
            var root = Path.Combine(dataDirectory, "blobs");
            return Directory.Exists(root)
                ? Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                    .Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).ToList()
                : [];
        }

        using var s3 = Client(ServiceUrl!);
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix });
        return (listed.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    /// <summary>Replaces (or with null deletes) a blob behind the server's back, as bit rot or an operator would.</summary>
    public async Task OverwriteBlobAsync(string dataDirectory, string key, byte[]? data)
    {
        if (IsS3)
        {
            using var s3 = Client(ServiceUrl!);
            if (data is null)
            {
                await s3.DeleteObjectAsync(Bucket, key);
            }
            else
            {
                await s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(data) });
            }

            return;
        }

        var path = Path.Combine(dataDirectory, "blobs", key);
        Assert.True(File.Exists(path), path);
        if (data is null)
        {
            File.Delete(path);
        }
        else
        {
            await File.WriteAllBytesAsync(path, data);
        }
    }

    private static AmazonS3Client Client(string url) =>
        new(new BasicAWSCredentials("test", "test"), new AmazonS3Config { ServiceURL = url, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
}
