using System.Text;

namespace Idrp.Server.Features.Uploads;

/// <summary>The tus 1.0 protocol's headers and their parsing (https://tus.io/protocols/resumable-upload).</summary>
internal static class Tus
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,creation-with-upload,checksum,termination";
    public const string ChecksumAlgorithms = "crc32,sha256,sha1,md5";
    public const string OffsetContentType = "application/offset+octet-stream";

    /// <summary>tus's status for a chunk whose Upload-Checksum does not match.</summary>
    public const int ChecksumMismatch = 460;

    /// <summary>Parses Upload-Metadata: comma-separated "key base64value" pairs; null when malformed.</summary>
    public static Dictionary<string, string>? ParseMetadata(string? header)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header))
        {
            return result;
        }

        foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(' ', 2, StringSplitOptions.TrimEntries);
            try
            {
                result[parts[0]] = parts.Length == 2 ? Encoding.UTF8.GetString(Convert.FromBase64String(parts[1])) : "";
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return result;
    }

    /// <summary>Parses Upload-Checksum ("sha1 base64"; see <see cref="ChunkChecksum"/>); false when malformed or of an algorithm we do not offer.</summary>
    public static bool TryParseChecksum(string header, out string algorithm, out byte[] expected)
    {
        algorithm = "";
        expected = [];
        var parts = header.Split(' ', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0] is not ("crc32" or "sha256" or "sha1" or "md5"))
        {
            return false;
        }

        try
        {
            algorithm = parts[0];
            expected = Convert.FromBase64String(parts[1]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
