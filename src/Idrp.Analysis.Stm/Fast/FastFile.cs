using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Stm.Fast;

/// <summary>What a FAST file holds, decided from its layout.</summary>
public enum FastFileKind
{
    /// <summary>A fast-scan movie: a 1-D <c>/data</c> stream with the attributes on the dataset.</summary>
    Movie,
    /// <summary>Atom tracking: a 2-D <c>/data</c> table (rows = samples, columns = signals).</summary>
    AtomTracking,
    /// <summary>Error topography or slow image: 2-D datasets <c>FW_*</c> and <c>BW_*</c>, attributes on the root.</summary>
    ImageSet,
}

/// <summary>
/// An open FAST HDF5 file (CNR-IOM / FAST module). Not thread safe: use one instance per thread; the
/// movie reader it creates reads through it.
/// </summary>
public sealed class FastFile : IDisposable
{
    private readonly NativeFile _file;

    static FastFile() => H5Filter.Register(new SkippedScaleOffsetFilter());

    private FastFile(string path, NativeFile file, FastFileKind kind, FastMetadata metadata)
    {
        Path = path;
        _file = file;
        Kind = kind;
        Metadata = metadata;
    }

    /// <summary>The file that was opened.</summary>
    public string Path { get; }

    /// <summary>Layout of the file.</summary>
    public FastFileKind Kind { get; }

    /// <summary>The attributes, quirks repaired.</summary>
    public FastMetadata Metadata { get; }

    /// <summary>Opens a FAST file and reads its attributes.</summary>
    /// <exception cref="FastFormatException">Neither a <c>/data</c> dataset nor <c>FW_</c>/<c>BW_</c> datasets exist.</exception>
    public static FastFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Open(H5File.OpenRead(path), path);
    }

    /// <summary>Opens a FAST file from a seekable stream (left open; keep it alive while the FastFile is used).</summary>
    /// <param name="name">The file's name, for messages.</param>
    /// <exception cref="FastFormatException">Neither a <c>/data</c> dataset nor <c>FW_</c>/<c>BW_</c> datasets exist.</exception>
    public static FastFile Open(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Open(H5File.Open(stream, leaveOpen: true), name);
    }

    private static FastFile Open(NativeFile file, string path)
    {
        try
        {
            var notes = new List<string>();
            if (file.LinkExists("data"))
            {
                var data = file.Dataset("data");
                var kind = data.Space.Rank == 1 ? FastFileKind.Movie : FastFileKind.AtomTracking;
                var attributes = FastAttributes.Read(data, notes);
                if (attributes.Count == 0)
                {
                    attributes = FastAttributes.Read(file, notes);
                }

                return new FastFile(path, file, kind, new FastMetadata(attributes, notes));
            }

            foreach (var child in file.Children())
            {
                if (child.Name.StartsWith("FW_", StringComparison.Ordinal) || child.Name.StartsWith("BW_", StringComparison.Ordinal))
                {
                    return new FastFile(path, file, FastFileKind.ImageSet, new FastMetadata(FastAttributes.Read(file, notes), notes));
                }
            }

            throw new FastFormatException($"'{path}' has neither a /data dataset nor FW_/BW_ image datasets.");
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens the movie stream for frame recovery.</summary>
    /// <param name="channels">Which lines become frames.</param>
    /// <param name="xPhase">Phase shift in samples; default <see cref="FastMetadata.XPhase"/>.</param>
    /// <param name="yPhase">Phase shift in line pairs; default <see cref="FastMetadata.YPhase"/>.</param>
    /// <param name="fft">FFT filter of periodic noise applied to the stream before reshaping (pyfastspm's <c>filter_movie</c>); null = none.</param>
    /// <exception cref="InvalidOperationException">The file is not a <see cref="FastFileKind.Movie"/>.</exception>
    public FastMovieReader OpenMovie(FastChannels channels, int? xPhase = null, int? yPhase = null, Processing.FftFilterOptions? fft = null)
    {
        if (Kind != FastFileKind.Movie)
        {
            throw new InvalidOperationException($"'{Path}' is a {Kind} file, not a FAST movie.");
        }

        return new FastMovieReader(_file.Dataset("data"), Metadata, channels, xPhase ?? Metadata.XPhase, yPhase ?? Metadata.YPhase, fft);
    }

    /// <summary>Reads the images of an error-topography or slow-image file, in dataset-name order.</summary>
    public IReadOnlyList<FastImage> ReadImages()
    {
        if (Kind != FastFileKind.ImageSet)
        {
            throw new InvalidOperationException($"'{Path}' is a {Kind} file, not an image set.");
        }

        var images = new List<FastImage>();
        var names = new List<string>();
        foreach (var child in _file.Children())
        {
            if (child is IH5Dataset)
            {
                names.Add(child.Name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var dataset = _file.Dataset(name);
            var dims = dataset.Space.Dimensions;
            if (dims.Length != 2)
            {
                continue;
            }

            var values = ReadAsDoubles(dataset, checked((int)(dims[0] * dims[1])));
            var separator = name.IndexOf('_', StringComparison.Ordinal);
            var direction = separator > 0 ? name[..separator] : string.Empty;
            var signal = separator > 0 ? name[(separator + 1)..] : name;
            images.Add(new FastImage(name, signal, direction == "BW" ? ScanDirection.Backward : ScanDirection.Forward, (int)dims[0], (int)dims[1], values));
        }

        return images;
    }

    /// <summary>Reads the atom-tracking table: one row per sample, one column per recorded signal.</summary>
    public FastTable ReadAtomTracking()
    {
        if (Kind != FastFileKind.AtomTracking)
        {
            throw new InvalidOperationException($"'{Path}' is a {Kind} file, not an atom-tracking file.");
        }

        var dataset = _file.Dataset("data");
        var dims = dataset.Space.Dimensions;
        var values = ReadAsDoubles(dataset, checked((int)(dims[0] * dims[1])));
        return new FastTable((int)dims[0], (int)dims[1], values);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static double[] ReadAsDoubles(IH5Dataset dataset, int count)
    {
        var type = dataset.Type;
        var result = new double[count];
        if (type.Class == H5DataTypeClass.FloatingPoint && type.Size == 8)
        {
            dataset.Read(result);
            return result;
        }

        var floats = new float[count];
        FastStream.ReadConverted(dataset, 0, floats);
        for (var i = 0; i < count; i++)
        {
            result[i] = floats[i];
        }

        return result;
    }

    // The FAST software writes its chunks through an *optional* scale-offset filter that HDF5 skips when it
    // would not shrink the chunk (the chunk's filter mask says so). PureHDF ignores the mask and has no
    // scale-offset decoder, so this stand-in passes a chunk through when its size shows it was skipped and
    // fails loudly when the filter really was applied.
    private sealed class SkippedScaleOffsetFilter : IH5Filter
    {
        public ushort FilterId => 6;

        public string Name => "scaleoffset (skipped chunks only)";

        public Memory<byte> Filter(FilterInfo info)
        {
            if (info.Flags.HasFlag(H5FilterFlags.Decompress) && info.Buffer.Length == info.ChunkSize)
            {
                return info.Buffer;
            }

            throw new NotSupportedException("This HDF5 chunk was written with the scale-offset filter, which IDRP cannot decode.");
        }

        public uint[] GetParameters(uint[] chunkDimensions, uint typeSize, Dictionary<string, object>? options) =>
            throw new NotSupportedException("IDRP does not write the scale-offset filter.");
    }
}

/// <summary>Scan direction of a line or image.</summary>
public enum ScanDirection
{
    /// <summary>Left to right (trace).</summary>
    Forward,
    /// <summary>Right to left (retrace).</summary>
    Backward,
}

/// <summary>One 2-D image of a FAST image set: <paramref name="Values"/> row-major, <paramref name="Rows"/> x <paramref name="Columns"/>, as stored.</summary>
public sealed record FastImage(string DatasetName, string Signal, ScanDirection Direction, int Rows, int Columns, double[] Values);

/// <summary>A table of <paramref name="Rows"/> samples by <paramref name="Columns"/> signals, row-major.</summary>
public sealed record FastTable(int Rows, int Columns, double[] Values)
{
    /// <summary>Copies column <paramref name="column"/> into a new array.</summary>
    public double[] Column(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Columns);
        var result = new double[Rows];
        for (var r = 0; r < Rows; r++)
        {
            result[r] = Values[r * Columns + column];
        }

        return result;
    }
}
