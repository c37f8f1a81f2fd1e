using Idrp.Analysis.Stm.Logbook;
using Idrp.Analysis.Stm.Tests.Support;
using PureHDF;

namespace Idrp.Analysis.Stm.Tests.Logbook;

public sealed class LogbookTests
{
    private const string Example = """
        # Au(111) preparation, STM lab
        date: 2024-03-14
        sample: Au(111) single crystal A7
        operator: M. Rossi
        step: sputter; energy = 1.0 keV; current = 2.5 uA; time = 15 min; gas = Ar
        step: anneal; temperature = 720 K; time = 10 min
        note: two cycles before this one
        ---
        date: 2024-03-15
        sample: Au(111) single crystal A7
        step: anneal; temperature = 650 K; time = 5 min
        """;

    [Fact]
    public void Entries_parse_into_steps_with_numbers_and_units()
    {
        var entries = LogbookParser.Parse(Example);

        Assert.Equal(2, entries.Count);
        var first = entries[0];
        Assert.Equal(new DateOnly(2024, 3, 14), first.Date);
        Assert.Equal("Au(111) single crystal A7", first.Sample);
        Assert.Equal("M. Rossi", first.Operator);
        Assert.Equal(["sputter", "anneal"], first.Steps.Select(s => s.Kind));
        var energy = first.Steps[0].Parameters[0];
        Assert.Equal(("energy", 1.0, "keV"), (energy.Name, energy.Value!.Value, energy.Unit));
        Assert.Equal("Ar", first.Steps[0].Parameters[3].Text);
        Assert.Null(first.Steps[0].Parameters[3].Value);
        Assert.Equal(720, first.Steps[1].Parameters[0].Value);
        Assert.Equal(9, entries[1].LineNumber);
    }

    [Theory]
    [InlineData("date: 14.03.2024\nsample: A", 1, "YYYY-MM-DD")]
    [InlineData("date: 2024-03-14\nsample: A\nstep: anneal; temperature 720 K", 3, "name = value")]
    [InlineData("date: 2024-03-14\nsample: A\nstep: anneal; temperature = 7,20 K", 3, "not a number")]
    [InlineData("sample: A", 1, "before the entry's 'date:'")]
    [InlineData("date: 2024-03-14\noperator: B", 1, "no 'sample:'")]
    [InlineData("date: 2024-03-14\nsample: A\ncolour: red", 3, "unknown key")]
    [InlineData("date: 2024-03-14\nsample: A\njust text", 3, "key: value")]
    public void Malformed_entries_are_rejected_with_their_line_number(string text, int line, string message)
    {
        var e = Assert.Throws<LogbookFormatException>(() => LogbookParser.Parse(text));
        Assert.Equal(line, e.LineNumber);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Copy_gets_logbook_attributes_and_keeps_data_and_attributes_unchanged()
    {
        var entry = LogbookParser.Parse(Example)[0];
        var copy = Path.Combine(Tools.TempDirectory(), "with-logbook.h5");
        var added = LogbookAttributes.From(entry);
        var sourceBytes = File.ReadAllBytes(TestData.SyntheticMovie);

        Hdf5AttributeCopier.CopyWithAttributes(TestData.SyntheticMovie, copy, added);

        Assert.Equal(sourceBytes, File.ReadAllBytes(TestData.SyntheticMovie)); // source untouched
        using var original = H5File.OpenRead(TestData.SyntheticMovie);
        using var written = H5File.OpenRead(copy);
        var a = original.Dataset("data");
        var b = written.Dataset("data");
        Assert.Equal(a.Type.Class, b.Type.Class);
        Assert.Equal(a.Type.Size, b.Type.Size);
        Assert.Equal(a.Read<short[]>(), b.Read<short[]>()); // data byte-equal

        var originalAttributes = a.Attributes().ToDictionary(x => x.Name);
        var copiedAttributes = b.Attributes().ToDictionary(x => x.Name);
        Assert.Equal(originalAttributes.Count + added.Count, copiedAttributes.Count);
        foreach (var (name, attribute) in originalAttributes)
        {
            var other = copiedAttributes[name];
            Assert.Equal(attribute.Type.Size, other.Type.Size);
            Assert.Equal(Value(attribute), Value(other));
        }

        Assert.Equal("Au(111) single crystal A7", copiedAttributes["Logbook.Sample"].Read<string>());
        Assert.Equal(1.0, copiedAttributes["Logbook.Step1.energy"].Read<double>());
        Assert.Equal("keV", copiedAttributes["Logbook.Step1.energy.Unit"].Read<string>());
        Assert.Equal(720.0, copiedAttributes["Logbook.Step2.temperature"].Read<double>());
    }

    [Fact]
    public void Existing_attributes_are_never_overwritten()
    {
        var copy = Path.Combine(Tools.TempDirectory(), "clash.h5");
        var clash = new Dictionary<string, object> { ["Scanner.X_Points"] = 7 };

        Assert.Throws<InvalidOperationException>(() => Hdf5AttributeCopier.CopyWithAttributes(TestData.SyntheticMovie, copy, clash));
    }

    private static string Value(IH5Attribute attribute) => attribute.Type.Class switch
    {
        H5DataTypeClass.FloatingPoint => attribute.Read<double>().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        H5DataTypeClass.FixedPoint or H5DataTypeClass.Enumerated => attribute.Type.Size switch
        {
            1 => attribute.Read<byte>().ToString(System.Globalization.CultureInfo.InvariantCulture),
            2 => attribute.Read<ushort>().ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => attribute.Read<int>().ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        _ => attribute.Read<string>() ?? string.Empty,
    };
}
