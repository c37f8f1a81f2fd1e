using Idrp.Analysis.Kmap.Input;

namespace Idrp.Analysis.Kmap.QSpace;

/// <summary>
/// Pixel to reciprocal space for the ID01 geometry, the exact maths of X-SOCS / xrayutilities
/// <c>Ang2Q.area</c>. Q is returned in the sample frame (the frame that rotates with eta and phi), in 1/Angstrom:
/// x along the beam at all angles zero, z up, y completing the right-handed set.
/// </summary>
/// <remarks>
/// Detector pixel (i, j): dim0 (row i) runs along -z, dim1 (column j) along +y of the detector at nu = delta = 0,
/// at a distance of one unit with pixel width 2 tan(0.5 deg) / channels-per-degree. The detector arm is rotated
/// by R_z-(nu) R_y-(delta), kf = k * pos / |pos|, q_lab = kf - k x, and the sample frame is reached by
/// q = (R_y-(eta) R_z-(phi))^T q_lab. Thread-safe (no state).
/// </remarks>
public static class Id01QConversion
{
    /// <summary>Rotation matrix (row-major 3x3) about axis 'x', 'y' or 'z' with sense '+' or '-' (xrayutilities).</summary>
    internal static double[] Rotation(char axis, char sense, double angleDegrees)
    {
        var a = angleDegrees * Math.PI / 180.0 * (sense == '+' ? 1.0 : -1.0);
        var c = Math.Cos(a);
        var s = Math.Sin(a);
        return axis switch
        {
            'x' => [1, 0, 0, 0, c, -s, 0, s, c],
            'y' => [c, 0, s, 0, 1, 0, -s, 0, c],
            'z' => [c, -s, 0, s, c, 0, 0, 0, 1],
            _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "Axis must be x, y or z."),
        };
    }

    internal static double[] Multiply(double[] m, double[] n)
    {
        var r = new double[9];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                r[(i * 3) + j] = (m[i * 3] * n[j]) + (m[(i * 3) + 1] * n[3 + j]) + (m[(i * 3) + 2] * n[6 + j]);
            }
        }

        return r;
    }

    /// <summary>Q (sample frame, 1/Angstrom) of one pixel (row, column of the stored frame).</summary>
    public static (double X, double Y, double Z) PixelQ(KmapGeometry geometry, int row, int column)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var one = geometry with { DetectorShape = (1, 1), RoiOffset = (geometry.RoiOffset.Rows + row, geometry.RoiOffset.Columns + column) };
        Span<double> q = stackalloc double[3];
        PixelQ(one, q[..1], q.Slice(1, 1), q.Slice(2, 1));
        return (q[0], q[1], q[2]);
    }

    /// <summary>
    /// Computes Q (sample frame, 1/Angstrom) of every pixel of a frame of <paramref name="geometry"/>.
    /// Spans are row-major frames of DetectorShape.Rows * DetectorShape.Columns elements.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the frame.</exception>
    public static void PixelQ(KmapGeometry geometry, Span<double> qx, Span<double> qy, Span<double> qz)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var (rows, cols) = geometry.DetectorShape;
        var n = rows * cols;
        if (qx.Length < n || qy.Length < n || qz.Length < n)
        {
            throw new ArgumentException($"Output spans must hold {n} pixels.");
        }

        var k = geometry.WaveNumber;
        var pw0 = 2 * Math.Tan(0.5 * Math.PI / 180.0) / geometry.ChannelsPerDegree.Dim0;
        var pw1 = 2 * Math.Tan(0.5 * Math.PI / 180.0) / geometry.ChannelsPerDegree.Dim1;
        var rd = Multiply(Rotation('z', '-', geometry.Nu), Rotation('y', '-', geometry.Delta));
        var rs = Multiply(Rotation('y', '-', geometry.Eta), Rotation('z', '-', geometry.Phi));
        for (var i = 0; i < rows; i++)
        {
            var pz = -(i + geometry.RoiOffset.Rows - geometry.CenterChannel.Dim0) * pw0;
            for (var j = 0; j < cols; j++)
            {
                var py = (j + geometry.RoiOffset.Columns - geometry.CenterChannel.Dim1) * pw1;
                // pos = rd * (1, py, pz)
                var x = rd[0] + (rd[1] * py) + (rd[2] * pz);
                var y = rd[3] + (rd[4] * py) + (rd[5] * pz);
                var z = rd[6] + (rd[7] * py) + (rd[8] * pz);
                var scale = k / Math.Sqrt((x * x) + (y * y) + (z * z));
                var lx = (x * scale) - k;
                var ly = y * scale;
                var lz = z * scale;
                // q = rs^T * q_lab
                var p = (i * cols) + j;
                qx[p] = (lx * rs[0]) + (ly * rs[3]) + (lz * rs[6]);
                qy[p] = (lx * rs[1]) + (ly * rs[4]) + (lz * rs[7]);
                qz[p] = (lx * rs[2]) + (ly * rs[5]) + (lz * rs[8]);
            }
        }
    }
}
