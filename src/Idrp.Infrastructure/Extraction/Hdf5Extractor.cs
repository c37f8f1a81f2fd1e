using System.Text.Json.Nodes;
using PureHDF;

namespace Idrp.Infrastructure.Extraction;

/// <summary>
/// HDF5 files (NeXus, X-SOCS, FAST, …): the tree of groups and datasets with shapes, types and scalar
/// attributes, bounded so that a file with a million objects still yields a small record.
/// </summary>
public sealed class Hdf5Extractor : IMetadataExtractor
{
    private const int MaxObjects = 2000;
    private const int MaxAttributesPerObject = 100;
    private const int MaxStringLength = 1000;
    private static readonly byte[] Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    public string Name => "hdf5";

    public bool Accepts(string fileName, ReadOnlySpan<byte> head) => head.StartsWith(Signature);

    public ExtractionResult Extract(Stream file, string fileName, CancellationToken cancellationToken)
    {
        using var h5 = H5File.Open(file, leaveOpen: true);
        var objects = new JsonArray();
        var count = 0;
        var truncated = Walk(h5, "/", objects, ref count, cancellationToken);
        var technical = new JsonObject
        {
            ["format"] = "HDF5",
            ["objects"] = objects,
        };
        if (truncated)
        {
            technical["truncated"] = $"only the first {MaxObjects} objects are listed";
        }

        return new ExtractionResult(Name, [], technical, null);
    }

    private static bool Walk(IH5Group group, string path, JsonArray into, ref int count, CancellationToken cancellationToken)
    {
        foreach (var child in group.Children())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (++count > MaxObjects)
            {
                return true;
            }

            var childPath = path == "/" ? "/" + child.Name : path + "/" + child.Name;
            var node = new JsonObject { ["path"] = childPath };
            switch (child)
            {
                case IH5Dataset dataset:
                    node["kind"] = "dataset";
                    node["shape"] = new JsonArray(dataset.Space.Dimensions.Select(d => (JsonNode)JsonValue.Create(d)).ToArray());
                    node["type"] = $"{dataset.Type.Class} ({dataset.Type.Size} bytes)";
                    break;
                case IH5Group:
                    node["kind"] = "group";
                    break;
                default:
                    node["kind"] = "other";
                    break;
            }

            var attributes = Attributes(child);
            if (attributes.Count > 0)
            {
                node["attributes"] = attributes;
            }

            into.Add(node);
            if (child is IH5Group subgroup && Walk(subgroup, childPath, into, ref count, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static JsonObject Attributes(IH5Object owner)
    {
        var result = new JsonObject();
        foreach (var attribute in owner.Attributes().Take(MaxAttributesPerObject))
        {
            result[attribute.Name] = ScalarValue(attribute);
        }

        return result;
    }

    /// <summary>Scalar numbers and strings as values; anything else by its type and shape only.</summary>
    private static JsonNode? ScalarValue(IH5Attribute attribute)
    {
        var type = attribute.Type;
        var scalar = attribute.Space.Dimensions.Length == 0 || attribute.Space.Dimensions.Aggregate(1UL, (a, b) => a * b) == 1;
        if (!scalar)
        {
            return $"{type.Class} [{string.Join(" x ", attribute.Space.Dimensions)}]";
        }

        try
        {
            return type.Class switch
            {
                H5DataTypeClass.String or H5DataTypeClass.VariableLength => Truncate(attribute.Read<string>()),
                H5DataTypeClass.FloatingPoint when type.Size == 4 => JsonValue.Create(attribute.Read<float>()),
                H5DataTypeClass.FloatingPoint => JsonValue.Create(attribute.Read<double>()),
                H5DataTypeClass.FixedPoint when type.FixedPoint.IsSigned => JsonValue.Create(type.Size switch
                {
                    1 => attribute.Read<sbyte>(),
                    2 => attribute.Read<short>(),
                    4 => attribute.Read<int>(),
                    _ => attribute.Read<long>(),
                }),
                H5DataTypeClass.FixedPoint => JsonValue.Create(type.Size switch
                {
                    1 => attribute.Read<byte>(),
                    2 => attribute.Read<ushort>(),
                    4 => attribute.Read<uint>(),
                    _ => attribute.Read<ulong>(),
                }),
                _ => type.Class.ToString(),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"{type.Class} (unreadable: {e.GetType().Name})";
        }
    }

    private static string? Truncate(string? value) =>
        value is { Length: > MaxStringLength } ? value[..MaxStringLength] + "…" : value;
}
