using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class FilterAndBinningTests
{
    [Theory]
    [InlineData(37, 41, 0.05)]
    [InlineData(33, 17, 0.6)]
    [InlineData(5, 129, 0.3)]
    [InlineData(1, 23, 0.9)]
    public void Median_filter_matches_a_naive_sort_on_ushort_frames(int rows, int columns, double density)
    {
        var source = RandomFrame<ushort>(rows, columns, density, 11);
        var actual = new ushort[rows * columns];
        var scratch = new ushort[MedianFilter3x3.ScratchLength<ushort>(columns)];

        MedianFilter3x3.Apply<ushort>(source, actual, rows, columns, scratch);

        Assert.Equal(NaiveMedian(source, rows, columns), actual);
    }

    [Theory]
    [InlineData(29, 31, 0.2)]
    [InlineData(16, 16, 0.7)]
    public void Median_filter_matches_a_naive_sort_on_int_frames(int rows, int columns, double density)
    {
        var source = RandomFrame<int>(rows, columns, density, 5);
        var actual = new int[rows * columns];
        var scratch = new int[MedianFilter3x3.ScratchLength<int>(columns)];

        MedianFilter3x3.Apply<int>(source, actual, rows, columns, scratch);

        Assert.Equal(NaiveMedian(source, rows, columns), actual);
    }

    [Fact]
    public void Isolated_counts_are_removed_and_a_broad_peak_is_kept()
    {
        const int n = 21;
        var frame = new ushort[n * n];
        frame[(3 * n) + 4] = 50; // a lone hot pixel
        for (var r = 8; r < 15; r++)
        {
            for (var c = 8; c < 15; c++)
            {
                frame[(r * n) + c] = 10;
            }
        }

        var filtered = new ushort[n * n];
        MedianFilter3x3.Apply<ushort>(frame, filtered, n, n, new ushort[MedianFilter3x3.ScratchLength<ushort>(n)]);

        Assert.Equal(0, filtered[(3 * n) + 4]);
        Assert.Equal(10, filtered[(11 * n) + 11]);
    }

    [Fact]
    public void Binning_adds_each_non_zero_pixel_into_its_table_bin()
    {
        const int n = 1001; // not a multiple of any vector width: the scalar tail runs too
        var random = new Random(3);
        var frame = new ushort[n];
        var table = new int[n];
        for (var p = 0; p < n; p++)
        {
            frame[p] = random.NextDouble() < 0.1 ? (ushort)random.Next(1, 500) : (ushort)0;
            table[p] = random.NextDouble() < 0.2 ? -1 : random.Next(0, 17);
        }

        var cube = new float[17];
        QSpaceConverter.Bin<ushort>(frame, table, cube, 0.5f);

        var expected = new float[17];
        for (var p = 0; p < n; p++)
        {
            if (table[p] >= 0)
            {
                expected[table[p]] += frame[p] * 0.5f;
            }
        }

        Assert.Equal(expected, cube);
    }

    private static T[] RandomFrame<T>(int rows, int columns, double density, int seed)
        where T : struct, System.Numerics.INumber<T>
    {
        var random = new Random(seed);
        var frame = new T[rows * columns];
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = random.NextDouble() < density ? T.CreateTruncating(random.Next(1, 1000)) : T.Zero;
        }

        return frame;
    }

    private static T[] NaiveMedian<T>(T[] source, int rows, int columns)
        where T : struct, System.Numerics.INumber<T>
    {
        var result = new T[source.Length];
        var window = new T[9];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var i = 0;
                for (var dr = -1; dr <= 1; dr++)
                {
                    for (var dc = -1; dc <= 1; dc++)
                    {
                        var rr = r + dr;
                        var cc = c + dc;
                        window[i++] = rr >= 0 && rr < rows && cc >= 0 && cc < columns ? source[(rr * columns) + cc] : T.Zero;
                    }
                }

                Array.Sort(window);
                result[(r * columns) + c] = window[4];
            }
        }

        return result;
    }
}
