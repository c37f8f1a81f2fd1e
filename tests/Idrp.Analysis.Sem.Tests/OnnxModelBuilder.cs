using Google.Protobuf;

namespace Idrp.Analysis.Sem.Tests;

/// <summary>
/// Writes a small ONNX classifier straight from the protobuf schema (onnx/onnx.proto field numbers, no generated
/// code): input [1, C, H, W] (or [1, H, W, C]) → Flatten → MatMul W [C·H·W, K] → Add b [K] → Softmax (or the logits).
/// The tests compute the same thing in C# and compare.
/// </summary>
internal static class OnnxModelBuilder
{
    private const int FloatType = 1; // TensorProto.DataType.FLOAT

    /// <summary>The serialized ModelProto (IR version 8, opset 13).</summary>
    public static byte[] LinearClassifier(string inputName, long[] inputShape, float[] weights, float[] bias, string outputName, bool softmax)
    {
        var features = inputShape.Skip(1).Aggregate(1L, (a, b) => a * b);
        var classes = bias.Length;
        if (weights.Length != features * classes)
        {
            throw new ArgumentException($"weights must be {features} × {classes}");
        }

        var nodes = new List<byte[]>
        {
            Node("Flatten", [inputName], ["flat"], Attribute("axis", 1)),
            Node("MatMul", ["flat", "W"], ["xw"]),
            Node("Add", ["xw", "b"], [softmax ? "logits" : outputName]),
        };
        if (softmax)
        {
            nodes.Add(Node("Softmax", ["logits"], [outputName], Attribute("axis", -1)));
        }

        var graph = Message(s =>
        {
            foreach (var node in nodes)
            {
                s.WriteTag(1, WireFormat.WireType.LengthDelimited); // GraphProto.node
                s.WriteBytes(ByteString.CopyFrom(node));
            }

            s.WriteTag(2, WireFormat.WireType.LengthDelimited); // GraphProto.name
            s.WriteString("linear");
            WriteMessage(s, 5, Tensor("W", [features, classes], weights)); // GraphProto.initializer
            WriteMessage(s, 5, Tensor("b", [classes], bias));
            WriteMessage(s, 11, ValueInfo(inputName, inputShape)); // GraphProto.input
            WriteMessage(s, 12, ValueInfo(outputName, [1, classes])); // GraphProto.output
        });

        return Message(s =>
        {
            s.WriteTag(1, WireFormat.WireType.Varint); // ModelProto.ir_version
            s.WriteInt64(8);
            s.WriteTag(2, WireFormat.WireType.LengthDelimited); // producer_name
            s.WriteString("idrp-tests");
            WriteMessage(s, 7, graph); // ModelProto.graph
            WriteMessage(s, 8, Message(o => // ModelProto.opset_import: OperatorSetIdProto
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); // domain "" (the default ONNX operators)
                o.WriteString(string.Empty);
                o.WriteTag(2, WireFormat.WireType.Varint); // version
                o.WriteInt64(13);
            }));
        });
    }

    private static byte[] Node(string op, string[] inputs, string[] outputs, byte[]? attribute = null) => Message(s =>
    {
        foreach (var input in inputs)
        {
            s.WriteTag(1, WireFormat.WireType.LengthDelimited); // NodeProto.input
            s.WriteString(input);
        }

        foreach (var output in outputs)
        {
            s.WriteTag(2, WireFormat.WireType.LengthDelimited); // NodeProto.output
            s.WriteString(output);
        }

        s.WriteTag(4, WireFormat.WireType.LengthDelimited); // NodeProto.op_type
        s.WriteString(op);
        if (attribute is not null)
        {
            WriteMessage(s, 5, attribute); // NodeProto.attribute
        }
    });

    private static byte[] Attribute(string name, long value) => Message(s =>
    {
        s.WriteTag(1, WireFormat.WireType.LengthDelimited); // AttributeProto.name
        s.WriteString(name);
        s.WriteTag(3, WireFormat.WireType.Varint); // AttributeProto.i
        s.WriteInt64(value);
        s.WriteTag(20, WireFormat.WireType.Varint); // AttributeProto.type = INT (2)
        s.WriteEnum(2);
    });

    private static byte[] Tensor(string name, long[] dims, float[] values) => Message(s =>
    {
        foreach (var dim in dims)
        {
            s.WriteTag(1, WireFormat.WireType.Varint); // TensorProto.dims
            s.WriteInt64(dim);
        }

        s.WriteTag(2, WireFormat.WireType.Varint); // TensorProto.data_type
        s.WriteInt32(FloatType);
        s.WriteTag(8, WireFormat.WireType.LengthDelimited); // TensorProto.name
        s.WriteString(name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length); // raw_data is little-endian, as is this machine
        s.WriteTag(9, WireFormat.WireType.LengthDelimited); // TensorProto.raw_data
        s.WriteBytes(ByteString.CopyFrom(raw));
    });

    private static byte[] ValueInfo(string name, long[] shape) => Message(s =>
    {
        s.WriteTag(1, WireFormat.WireType.LengthDelimited); // ValueInfoProto.name
        s.WriteString(name);
        WriteMessage(s, 2, Message(type => // ValueInfoProto.type: TypeProto
        {
            WriteMessage(type, 1, Message(tensor => // TypeProto.tensor_type
            {
                tensor.WriteTag(1, WireFormat.WireType.Varint); // elem_type
                tensor.WriteInt32(FloatType);
                WriteMessage(tensor, 2, Message(shapeProto => // shape: TensorShapeProto
                {
                    foreach (var dim in shape)
                    {
                        WriteMessage(shapeProto, 1, Message(d => // dim: Dimension
                        {
                            d.WriteTag(1, WireFormat.WireType.Varint); // dim_value
                            d.WriteInt64(dim);
                        }));
                    }
                }));
            }));
        }));
    });

    private static void WriteMessage(CodedOutputStream stream, int field, byte[] message)
    {
        stream.WriteTag(field, WireFormat.WireType.LengthDelimited);
        stream.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var stream = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(stream);
        }

        return buffer.ToArray();
    }
}
