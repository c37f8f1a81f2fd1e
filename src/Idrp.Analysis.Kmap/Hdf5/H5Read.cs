using PureHDF;

namespace Idrp.Analysis.Kmap.Hdf5;

/// <summary>Small typed reads that turn PureHDF failures into <see cref="KmapException"/> naming the object.</summary>
internal static class H5Read
{
    public static IH5Dataset Dataset(IH5Group group, string path, string filePath)
    {
        try
        {
            return group.Dataset(path);
        }
        catch (Exception ex) when (ex is not KmapException)
        {
            throw new KmapException($"Cannot open dataset: {ex.Message}", filePath, Join(group, path), ex);
        }
    }

    public static bool Exists(IH5Group group, string path)
    {
        try
        {
            return group.LinkExists(path);
        }
        catch (Exception)
        {
            // A missing intermediate group makes PureHDF throw; for an existence probe that means "no".
            return false;
        }
    }

    public static double[] Doubles(IH5Group group, string path, string filePath)
    {
        var ds = Dataset(group, path, filePath);
        try
        {
            if (ds.Space.Rank == 0)
            {
                return [ds.Read<double>()];
            }

            return ds.Read<double[]>();
        }
        catch (Exception ex)
        {
            throw new KmapException($"Cannot read numeric dataset: {ex.Message}", filePath, Join(group, path), ex);
        }
    }

    public static double Double(IH5Group group, string path, string filePath)
    {
        var values = Doubles(group, path, filePath);
        return values.Length > 0
            ? values[0]
            : throw new KmapException("Dataset is empty.", filePath, Join(group, path));
    }

    public static string Join(IH5Group group, string path) =>
        group.Name is "/" or "" ? "/" + path : $"{group.Name}/{path}";
}
