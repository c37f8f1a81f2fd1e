using Idrp.Analysis.Kmap.Input;
using Idrp.Analysis.Kmap.QSpace;

namespace Idrp.Analysis.Kmap.Tests;

public sealed class Id01QConversionTests
{
    // Reference values from make_kmap_dataset.py's ang2q_area (numpy, the X-SOCS/xrayutilities maths), 8 keV,
    // centre channel (250.3, 262.7), 318 channels per degree; pixels (row, column).
    public static TheoryData<double, double, double, double, int, int, double, double, double> Reference => new()
    {
        { 34.8006, 0, 0, 69.6012, 0, 0, -0.0324407598192442, -0.0584438412833423, 4.67289278324087 },
        { 34.8006, 0, 0, 69.6012, 250, 262, -3.81016633408393e-05, -0.000155762471166285, 4.6276808210625 },
        { 34.8006, 0, 0, 69.6012, 515, 515, 0.0329387090195108, 0.0561299406986684, 4.57880412946464 },
        { 34.8006, 0, 0, 69.6012, 100, 400, -0.0192940672339934, 0.0305497892853986, 4.65494254316028 },
        { 10.0, 20.0, 5.0, 40.0, 0, 0, -0.383458391602084, -0.486198325005615, 2.78182958237996 },
        { 10.0, 20.0, 5.0, 40.0, 250, 262, -0.370874795153982, -0.423198398629503, 2.73320637507896 },
        { 10.0, 20.0, 5.0, 40.0, 515, 515, -0.357497257841222, -0.362116112017731, 2.68091414656065 },
        { 10.0, 20.0, 5.0, 40.0, 100, 400, -0.395316550679593, -0.397534881920454, 2.76150494584534 },
    };

    [Theory]
    [MemberData(nameof(Reference))]
    public void Pixel_q_matches_the_numpy_reference(double eta, double phi, double nu, double delta, int row, int column, double qx, double qy, double qz)
    {
        var geometry = new KmapGeometry(eta, phi, nu, delta, 8000.0, (250.3, 262.7), (318.0, 318.0), (516, 516));
        var n = 516 * 516;
        var x = new double[n];
        var y = new double[n];
        var z = new double[n];

        Id01QConversion.PixelQ(geometry, x, y, z);

        var p = (row * 516) + column;
        Assert.Equal(qx, x[p], 1e-12);
        Assert.Equal(qy, y[p], 1e-12);
        Assert.Equal(qz, z[p], 1e-12);
    }

    [Fact]
    public void Roi_offset_shifts_pixels_onto_the_full_detector()
    {
        var full = new KmapGeometry(12, 3, 2, 30, 9000, (200, 210), (250, 260), (40, 50));
        var cropped = full with { DetectorShape = (20, 30), RoiOffset = (10, 15) };
        var a = new double[3][];
        var b = new double[3][];
        for (var i = 0; i < 3; i++)
        {
            a[i] = new double[40 * 50];
            b[i] = new double[20 * 30];
        }

        Id01QConversion.PixelQ(full, a[0], a[1], a[2]);
        Id01QConversion.PixelQ(cropped, b[0], b[1], b[2]);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(a[i][(12 * 50) + 17], b[i][(2 * 30) + 2], 1e-14);
        }
    }
}
