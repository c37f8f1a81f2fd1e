using System.Text.Json;

namespace Idrp.Server.Ui.Previews;

/// <summary>
/// The HDF5 tree of groups, datasets and attributes, built from what metadata extraction (PureHDF) recorded
/// on upload: showing it costs no file access, and it is bounded like the extraction (2,000 objects).
/// </summary>
public sealed record Hdf5Node(string Name, string Path, string Kind, string? Shape, string? Type, IReadOnlyList<KeyValuePair<string, string>> Attributes)
{
    public List<Hdf5Node> Children { get; } = [];

    /// <summary>The root's children, or null when the metadata is not an HDF5 tree.</summary>
    public static List<Hdf5Node>? FromMetadata(JsonElement? metadata, out string? truncated)
    {
        truncated = null;
        if (metadata is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("objects", out var objects) || objects.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        if (root.TryGetProperty("truncated", out var t) && t.ValueKind == JsonValueKind.String)
        {
            truncated = t.GetString();
        }

        var top = new List<Hdf5Node>();
        var byPath = new Dictionary<string, Hdf5Node>(StringComparer.Ordinal);
        foreach (var o in objects.EnumerateArray())
        {
            var path = o.TryGetProperty("path", out var p) ? p.GetString() ?? "" : "";
            var kind = o.TryGetProperty("kind", out var k) ? k.GetString() ?? "other" : "other";
            var shape = o.TryGetProperty("shape", out var s) && s.ValueKind == JsonValueKind.Array
                ? (s.GetArrayLength() == 0 ? "scalar" : string.Join(" × ", s.EnumerateArray().Select(d => d.GetRawText())))
                : null;
            var type = o.TryGetProperty("type", out var ty) ? ty.GetString() : null;
            var attributes = o.TryGetProperty("attributes", out var a) && a.ValueKind == JsonValueKind.Object
                ? a.EnumerateObject().Select(x => KeyValuePair.Create(x.Name, x.Value.ValueKind == JsonValueKind.String ? x.Value.GetString() ?? "" : x.Value.GetRawText())).ToList()
                : [];
            var slash = path.LastIndexOf('/');
            var node = new Hdf5Node(path[(slash + 1)..], path, kind, shape, type, attributes);
            byPath[path] = node;
            var parent = slash <= 0 ? null : byPath.GetValueOrDefault(path[..slash]);
            (parent?.Children ?? top).Add(node);
        }

        return top;
    }
}
