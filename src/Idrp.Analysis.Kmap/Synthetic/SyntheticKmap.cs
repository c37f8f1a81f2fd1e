using System.Globalization;
using Idrp.Analysis.Kmap.Hdf5;
using Idrp.Analysis.Kmap.QSpace;
using PureHDF;
using PureHDF.Filters;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Idrp.Analysis.Kmap.Synthetic;

/// <summary>
/// Writes a synthetic ID01 KMAP in the X-SOCS merged layout, the C# equivalent of
/// shared/data/kmap/make_kmap_dataset.py (same geometry, fields, file layout and dataset names; the noise
/// comes from a different generator, so counts agree in distribution, not bit for bit):
/// <c>kmap_master.h5</c> (one external link per entry), <c>kmap_JJ_S.1.h5</c> per rocking angle and
/// <c>ground_truth.h5</c>. Frames are written one at a time, so memory does not grow with the scan size.
/// </summary>
public static class SyntheticKmap
{
    public const string MasterFileName = "kmap_master.h5";
    public const string GroundTruthFileName = "ground_truth.h5";

    /// <summary>Generates the data set into <paramref name="directory"/> (created if needed) and returns its truth.</summary>
    public static SyntheticKmapTruth Generate(string directory, SyntheticKmapOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new SyntheticKmapOptions();
        KmapFilters.Register();
        Directory.CreateDirectory(directory);
        var truth = SyntheticKmapTruth.Create(options);
        var names = new (string Name, string File, string Path)[options.Angles];
        Parallel.For(
            0,
            options.Angles,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism), CancellationToken = cancellationToken },
            j => names[j] = WriteEntry(directory, j, options, truth, cancellationToken));
        ExternalLinkFileWriter.Write(Path.Combine(directory, MasterFileName), names);
        WriteGroundTruth(Path.Combine(directory, GroundTruthFileName), options, truth);
        return truth;
    }

    private static (string, string, string) WriteEntry(string directory, int j, SyntheticKmapOptions o, SyntheticKmapTruth truth, CancellationToken ct)
    {
        int nx = truth.Nx, ny = truth.Ny, n = nx * ny;
        const int rowsTotal = SyntheticKmapOptions.Rows, colsTotal = SyntheticKmapOptions.Columns;
        var entry = string.Create(CultureInfo.InvariantCulture, $"kmap_{j:00}_{j + 1}.1");
        var fileName = entry + ".h5";
        // Deterministic per seed: HashCode.Combine is randomised per process, which made every run's data differ.
        var sampler = new PoissonSampler(new Random(unchecked((o.Seed * 7919) + j)));
        var jitter = new PoissonSampler(new Random(unchecked((o.Seed * 7919) + 1000 + j)));

        // Q of the window around the direct-beam channel, where the peak is computed.
        var geometry = truth.Geometry(j);
        var r0 = (int)Math.Round(SyntheticKmapOptions.CenterChannel.Dim0);
        var c0 = (int)Math.Round(SyntheticKmapOptions.CenterChannel.Dim1);
        var rowStart = Math.Max(0, r0 - o.Window);
        var rowEnd = Math.Min(rowsTotal, r0 + o.Window);
        var colStart = Math.Max(0, c0 - o.Window);
        var colEnd = Math.Min(colsTotal, c0 + o.Window);
        var qx = new double[rowsTotal * colsTotal];
        var qy = new double[qx.Length];
        var qz = new double[qx.Length];
        Id01QConversion.PixelQ(geometry, qx, qy, qz);

        var (sx, sy, sz) = o.SigmaQ;
        double isx = 1 / sx, isy = 1 / sy, isz = 1 / sz;
        var npix = rowsTotal * colsTotal;
        var frame = new ushort[npix];

        var pixNominal = new double[n];
        var piyNominal = new double[n];
        for (var k = 0; k < n; k++)
        {
            pixNominal[k] = 10.0 + (0.1 * (k % nx));
            piyNominal[k] = 20.0 + (0.1 * (k / nx));
        }

        var adcY = new double[n];
        var adcX = new double[n];
        var adcZ = new double[n];
        var mon = new double[n];
        for (var k = 0; k < n; k++)
        {
            adcY[k] = pixNominal[k] + (0.002 * jitter.NextGaussian());
        }

        for (var k = 0; k < n; k++)
        {
            adcX[k] = piyNominal[k] + (0.002 * jitter.NextGaussian());
        }

        for (var k = 0; k < n; k++)
        {
            adcZ[k] = 5.0 + (0.002 * jitter.NextGaussian());
        }

        for (var k = 0; k < n; k++)
        {
            mon[k] = 1.0e5 + (300.0 * jitter.NextGaussian());
        }

        var filters = new List<H5Filter> { ShuffleFilter.Id };
        if (o.CompressionLevel is { } level)
        {
            filters.Add(new H5Filter(DeflateFilter.Id, new() { [DeflateFilter.COMPRESSION_LEVEL] = level }));
        }

        var data = new H5Dataset<ushort[]>(
            fileDims: [(ulong)n, rowsTotal, colsTotal],
            chunks: [1, 129, 129],
            datasetCreation: new H5DatasetCreation(Filters: o.CompressionLevel is null ? [] : filters));

        var detector = new H5Group
        {
            ["beam_energy"] = SyntheticKmapOptions.BeamEnergy,
            ["center_chan_dim0"] = SyntheticKmapOptions.CenterChannel.Dim0,
            ["center_chan_dim1"] = SyntheticKmapOptions.CenterChannel.Dim1,
            ["chan_per_deg_dim0"] = SyntheticKmapOptions.ChannelsPerDegree.Dim0,
            ["chan_per_deg_dim1"] = SyntheticKmapOptions.ChannelsPerDegree.Dim1,
            ["image_roi_offset"] = new long[] { 0, 0 },
            ["data"] = new H5SoftLink($"/{entry}/measurement/image/data"),
        };
        detector.Attributes["NX_class"] = "NXdetector";
        var positioners = new H5Group
        {
            ["eta"] = geometry.Eta,
            ["phi"] = 0.0,
            ["nu"] = 0.0,
            ["del"] = geometry.Delta,
            ["chi"] = 0.0,
            ["pix"] = pixNominal.Average(),
            ["piy"] = piyNominal.Average(),
            ["piz"] = 5.0,
        };
        positioners.Attributes["NX_class"] = "NXcollection";
        var instrument = new H5Group { ["detector"] = detector, ["positioners"] = positioners };
        instrument.Attributes["NX_class"] = "NXinstrument";
        var image = new H5Group { ["data"] = data, ["info"] = detector };
        image.Attributes["NX_class"] = "NXcollection";
        image.Attributes["interpretation"] = "image";
        var imgnr = new long[n];
        for (var k = 0; k < n; k++)
        {
            imgnr[k] = k + ((long)j * n);
        }

        var measurement = new H5Group
        {
            ["adcX"] = adcX,
            ["adcY"] = adcY,
            ["adcZ"] = adcZ,
            ["imgnr"] = imgnr,
            ["mon"] = mon,
            ["image"] = image,
        };
        measurement.Attributes["NX_class"] = "NXcollection";
        var scan = new H5Group
        {
            ["motor_0"] = "pix",
            ["motor_0_start"] = pixNominal.Min(),
            ["motor_0_end"] = pixNominal.Max(),
            ["motor_0_steps"] = (long)nx,
            ["motor_1"] = "piy",
            ["motor_1_start"] = piyNominal.Min(),
            ["motor_1_end"] = piyNominal.Max(),
            ["motor_1_steps"] = (long)ny,
            ["delay"] = 0.01,
        };
        var group = new H5Group
        {
            ["title"] = string.Create(CultureInfo.InvariantCulture, $"kmap pix {pixNominal.Min():F1} {pixNominal.Max():F1} {nx} piy {piyNominal.Min():F1} {piyNominal.Max():F1} {ny} 0.01"),
            ["start_time"] = string.Create(CultureInfo.InvariantCulture, $"2024-06-11T10:{j:00}:00"),
            ["instrument"] = instrument,
            ["measurement"] = measurement,
            ["scan"] = scan,
        };
        group.Attributes["NX_class"] = "NXentry";
        var file = new H5File { [entry] = group };

        // lambda < 1e-7 is not drawn (as the Python generator): skip pixels with d^2 above this bound.
        var d2Max = 2 * Math.Log(Math.Max(truth.Amplitude.Max(), 1e-7) / 1e-7);
        var start = new ulong[3];
        ulong[] block = [1, rowsTotal, colsTotal];
        using (var writer = file.BeginWrite(Path.Combine(directory, fileName)))
        {
            for (var k = 0; k < n; k++)
            {
                ct.ThrowIfCancellationRequested();
                Array.Clear(frame);
                double cx = truth.QCenter[3 * k], cy = truth.QCenter[(3 * k) + 1], cz = truth.QCenter[(3 * k) + 2];
                var amp = truth.Amplitude[k];
                for (var r = rowStart; r < rowEnd; r++)
                {
                    var rowOffset = r * colsTotal;
                    for (var c = colStart; c < colEnd; c++)
                    {
                        var p = rowOffset + c;
                        var dx = (qx[p] - cx) * isx;
                        var dy = (qy[p] - cy) * isy;
                        var dz = (qz[p] - cz) * isz;
                        var d2 = (dx * dx) + (dy * dy) + (dz * dz);
                        if (d2 > d2Max)
                        {
                            continue;
                        }

                        var lam = amp * Math.Exp(-0.5 * d2);
                        if (lam > 1e-7)
                        {
                            frame[p] = (ushort)Math.Min(ushort.MaxValue, sampler.Next(lam));
                        }
                    }
                }

                var nb = sampler.Next(o.Background * npix);
                for (var b = 0; b < nb; b++)
                {
                    var p = (int)(sampler.NextUniform() * npix);
                    if (frame[p] < ushort.MaxValue)
                    {
                        frame[p]++;
                    }
                }

                start[0] = (ulong)k;
                writer.Write(data, frame, fileSelection: new HyperslabSelection(3, start, block));
            }
        }

        return (entry, fileName, entry);
    }

    private static void WriteGroundTruth(string path, SyntheticKmapOptions o, SyntheticKmapTruth t)
    {
        var n = t.PointCount;
        var ix = new long[n];
        var iy = new long[n];
        var pix = new double[n];
        var piy = new double[n];
        var qn = new double[n];
        var q = new double[n, 3];
        for (var k = 0; k < n; k++)
        {
            ix[k] = k % t.Nx;
            iy[k] = k / t.Nx;
            pix[k] = 10.0 + (0.1 * ix[k]);
            piy[k] = 20.0 + (0.1 * iy[k]);
            q[k, 0] = t.QCenter[3 * k];
            q[k, 1] = t.QCenter[(3 * k) + 1];
            q[k, 2] = t.QCenter[(3 * k) + 2];
            qn[k] = Math.Sqrt((q[k, 0] * q[k, 0]) + (q[k, 1] * q[k, 1]) + (q[k, 2] * q[k, 2]));
        }

        var parameters = new H5Group
        {
            ["a_Si"] = SyntheticKmapOptions.LatticeSi,
            ["hkl"] = new long[] { 0, 0, SyntheticKmapOptions.ReflectionL },
            ["q0"] = t.Q0,
            ["d0"] = t.D0,
            ["beam_energy_eV"] = SyntheticKmapOptions.BeamEnergy,
            ["theta_B_deg"] = t.ThetaBraggDegrees,
            ["eta_deg"] = t.EtaDegrees,
            ["delta_deg"] = 2 * t.ThetaBraggDegrees,
            ["nu_deg"] = 0.0,
            ["phi_deg"] = 0.0,
            ["center_chan"] = new[] { SyntheticKmapOptions.CenterChannel.Dim0, SyntheticKmapOptions.CenterChannel.Dim1 },
            ["chan_per_deg"] = new[] { SyntheticKmapOptions.ChannelsPerDegree.Dim0, SyntheticKmapOptions.ChannelsPerDegree.Dim1 },
            ["detector_shape"] = new long[] { SyntheticKmapOptions.Rows, SyntheticKmapOptions.Columns },
            ["sigma_q"] = new[] { o.SigmaQ.X, o.SigmaQ.Y, o.SigmaQ.Z },
            ["background_per_pixel"] = o.Background,
            ["seed"] = (long)o.Seed,
            ["nx"] = (long)t.Nx,
            ["ny"] = (long)t.Ny,
        };
        var file = new H5File
        {
            ["ix"] = ix,
            ["iy"] = iy,
            ["strain"] = t.Strain,
            ["tilt_x_deg"] = t.TiltXDegrees,
            ["tilt_y_deg"] = t.TiltYDegrees,
            ["amplitude"] = t.Amplitude,
            ["pix_nominal_um"] = pix,
            ["piy_nominal_um"] = piy,
            ["q_center"] = q,
            ["q_norm"] = qn,
            ["parameters"] = parameters,
        };
        file.Attributes["description"] = "Synthetic ID01 KMAP written by Idrp.Analysis.Kmap (C# twin of make_kmap_dataset.py)";
        file.Attributes["point_index"] = "flat index k = iy*nx + ix, fast motor pix (ix)";
        file.Write(path);
    }
}
