using ScottPlot;

namespace Idrp.Analysis.Sem.Model;

/// <summary>The held-out confusion matrix as a PNG heatmap (rows: true category, columns: predicted; colour: share of the row; numbers: counts).</summary>
public static class ConfusionPlot
{
    public static void WritePng(IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<int>> confusion, double accuracy, string path)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(confusion);
        var n = labels.Count;
        var shares = new double[n, n];
        for (var r = 0; r < n; r++)
        {
            var total = Math.Max(1, confusion[r].Sum());
            for (var c = 0; c < n; c++)
            {
                // ScottPlot draws row 0 at the top, which is where the first label belongs.
                shares[r, c] = (double)confusion[r][c] / total;
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                if (confusion[r][c] == 0)
                {
                    continue;
                }

                var text = plot.Add.Text(confusion[r][c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                text.LabelFontColor = shares[r, c] > 0.5 ? Colors.Black : Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 14;
            }
        }

        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, [.. labels.Select(Short)]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Left.SetTicks([.. positions.Select(p => n - 1 - p)], [.. labels.Select(Short)]);
        plot.Add.ColorBar(heatmap).Label = "share of the true category";
        plot.Title($"Held-out confusion matrix (accuracy {accuracy:P1})");
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.SavePng(path, 900, 800);
    }

    private static string Short(string label) => label.Length <= 18 ? label : label[..16] + "…";
}
