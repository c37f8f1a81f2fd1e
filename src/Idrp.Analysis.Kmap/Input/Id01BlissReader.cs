using System.Globalization;
using Idrp.Analysis.Kmap.Hdf5;
using PureHDF;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.Input;

/// <summary>
/// Reads the ESRF BLISS layout of ID01: one group "N.1" per scan with instrument/positioners (eta, phi, nu,
/// delta; scalars or one value per frame), a lima detector group (image, beam_center_x/y, distance,
/// x/y_pixel_size) and instrument/positioners/nrj in keV. A scan whose eta moves frame by frame (a rocking
/// scan at one spot) becomes one entry per frame with one point; a scan at fixed angles (an SXDM map) becomes
/// one entry whose frames are its points.
/// </summary>
internal static class Id01BlissReader
{
    public static KmapDataset Read(string path, NativeFile file, List<string> names, KmapReadOptions options)
    {
        var entries = new List<KmapEntry>();
        double[]? sampleX = null, sampleY = null;
        var points = -1;
        foreach (var name in names)
        {
            var scan = file.Group(name);
            var detector = FindLimaDetector(scan, path)
                ?? throw new KmapException("No lima area detector (a group with 'image' and 'beam_center_x') in scan.", path, $"/{name}/instrument");
            var image = H5Read.Dataset(scan, $"instrument/{detector}/image", path);
            var dims = image.Space.Dimensions;
            if (dims.Length != 3)
            {
                throw new KmapException("Frames must be 3-D (frames, rows, columns).", path, $"/{name}/instrument/{detector}/image");
            }

            var frames = checked((int)dims[0]);
            var shape = (checked((int)dims[1]), checked((int)dims[2]));
            var det = $"instrument/{detector}/";
            var distance = H5Read.Double(scan, det + "distance", path);
            var chpdeg0 = 1.0 / (Math.Atan(H5Read.Double(scan, det + "y_pixel_size", path) / distance) * 180.0 / Math.PI);
            var chpdeg1 = 1.0 / (Math.Atan(H5Read.Double(scan, det + "x_pixel_size", path) / distance) * 180.0 / Math.PI);
            var center = (H5Read.Double(scan, det + "beam_center_y", path), H5Read.Double(scan, det + "beam_center_x", path));
            var energy = H5Read.Double(scan, "instrument/positioners/nrj", path) * 1000.0;
            var eta = H5Read.Doubles(scan, "instrument/positioners/eta", path);
            var phi = H5Read.Double(scan, "instrument/positioners/phi", path);
            var nu = H5Read.Double(scan, "instrument/positioners/nu", path);
            var delta = H5Read.Double(scan, "instrument/positioners/delta", path);
            var monitor = H5Read.Exists(scan, "measurement/mon1") ? H5Read.Doubles(scan, "measurement/mon1", path) : null;
            var imagePath = $"{name}/instrument/{detector}/image";
            var chunks = ChunkIndex.TryCreate(image);

            if (eta.Length == frames && frames > 1)
            {
                // Rocking scan at one sample position: every frame is its own angle.
                for (var f = 0; f < frames; f++)
                {
                    var g = new KmapGeometry(eta[f], phi, nu, delta, energy, center, (chpdeg0, chpdeg1), shape);
                    entries.Add(new KmapEntry(string.Create(CultureInfo.InvariantCulture, $"{name}#{f}"), g, imagePath, f, monitor is null ? null : [monitor[f]]) { Chunks = chunks });
                }

                points = 1;
                sampleX = [Scalar(scan, "instrument/positioners/pix", path)];
                sampleY = [Scalar(scan, "instrument/positioners/piy", path)];
                continue;
            }

            if (points >= 0 && points != frames)
            {
                throw new KmapException("Scans have different numbers of points.", path, "/" + imagePath);
            }

            points = frames;
            entries.Add(new KmapEntry(name, new KmapGeometry(eta[0], phi, nu, delta, energy, center, (chpdeg0, chpdeg1), shape), imagePath, 0, monitor) { Chunks = chunks });
            sampleX ??= Positions(scan, "measurement/pix", frames, path);
            sampleY ??= Positions(scan, "measurement/piy", frames, path);
        }

        return KmapDataset.Create(path, KmapLayout.Id01Bliss, entries, points, sampleX!, sampleY!);
    }

    private static double Scalar(IH5Group scan, string dataset, string path) =>
        H5Read.Exists(scan, dataset) ? H5Read.Double(scan, dataset, path) : 0.0;

    private static double[] Positions(IH5Group scan, string dataset, int frames, string path) =>
        H5Read.Exists(scan, dataset) ? H5Read.Doubles(scan, dataset, path) : new double[frames];

    private static string? FindLimaDetector(IH5Group scan, string path)
    {
        var instrument = scan.Group("instrument");
        foreach (var name in KmapDataset.ChildNames(instrument, path))
        {
            if (H5Read.Exists(instrument, name + "/image") && H5Read.Exists(instrument, name + "/beam_center_x"))
            {
                return name;
            }
        }

        return null;
    }
}
