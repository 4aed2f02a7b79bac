using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EmbedSharp.Numerics;

namespace EmbedSharp.Initialization;

internal static unsafe partial class CholeskyQr
{
    /// <summary>Rows per parallel step of <see cref="Cholesky"/>: four 6-row panels.</summary>
    private const int CholeskyRows = 4 * Mr;

    /// <summary>Least multiply-adds per part of a parallel step of the Cholesky factorisation (about 20 µs of one core):
    /// a step is short, so a smaller share than <see cref="MinWorkPerPart"/> still pays for the hand-off. Measured (load
    /// about 4.5 on two cores): at 300 × 300, whose largest step has about 540k, any split was slower than one thread
    /// (0.235 to 0.255 ms against 0.180 to 0.222), so this value keeps it serial; at 512 × 512 the split saves 5 to 30 %.</summary>
    private const long MinCholeskyWorkPerPart = 1L << 19;

    [ThreadStatic]
    private static double[]? t_cholesky;

    private struct CholeskyWork
    {
        public double* G;
        public double* T;     // CholeskyRows × ld: the block's sums over the rows above it
        public int Ld;
        public int Jb;        // first row of the block
        public int Panels;    // 6-row panels in the block
        public int Tiles;     // column tiles from jb on
        public bool Wide;     // 16-column tiles (AVX-512) instead of 8
    }

    /// <summary>In place: the upper triangle of G (n × n, row stride ld ≥ n8 + 32, zero beyond column n) becomes R with
    /// G = RᵀR and R_jj &gt; 0, six rows (a panel) at a time: R[j, k] ← G[j, k] − Σ_{i&lt;j0} R[i, j]·R[i, k] for the panel's
    /// rows j in [j0, j0 + 6) and every k ≥ j0 (the sum by the tile kernels, one FMA chain over i from +0, then subtracted),
    /// then within the panel row by row (<see cref="FinishPanel"/>). False when a pivot is not positive or not finite.
    /// <para>Most of the sums run on several threads: a chain can stop and go on from its stored value without changing
    /// a bit, so the rows go by blocks of <see cref="CholeskyRows"/> from jb, and a parallel step first runs every block
    /// row's chain over the final rows i &lt; jb into T (tiles of 6 rows × 8 or, with AVX-512, 16 columns, split between
    /// parts); then, panel by panel on the calling thread, the chain goes on over i in [jb, j0) from T, is subtracted from
    /// G, and the panel is finished. Column tiles start at jb for the whole block: the few columns left of a panel's first
    /// row that this adds are entries below the diagonal, which nothing reads. The bits are those of the serial six-row
    /// panel algorithm, whatever the thread count.</para></summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Cholesky(double* g, int ld, int n, int maxParts, bool wide)
    {
        var width = wide ? 2 * Nr : Nr;
        var buffer = Scratch(ref t_cholesky, CholeskyRows * ld);
        fixed (double* t = buffer)
        {
            for (var jb = 0; jb < n; jb += CholeskyRows)
            {
                var je = Math.Min(n, jb + CholeskyRows);
                var panels = (je - jb + Mr - 1) / Mr;
                var tiles = (n - jb + width - 1) / width;
                if (jb > 0)
                {
                    var w = new CholeskyWork { G = g, T = t, Ld = ld, Jb = jb, Panels = panels, Tiles = tiles, Wide = wide };
                    var work = (long)jb * panels * Mr * tiles * width;
                    var parts = Math.Min(Math.Max(1, maxParts), Math.Min(panels * tiles, WorkSplit.Parts(work, MinCholeskyWorkPerPart)));
                    WorkSplit.Run(&CholeskyBlockPart, &w, parts);
                }

                for (var j0 = jb; j0 < je; j0 += Mr)
                {
                    var rows = Math.Min(Mr, n - j0);
                    if (j0 > 0)
                    {
                        var tr = t + ((long)(j0 - jb) * ld); // the panel's rows of T
                        var a = g + ((long)jb * ld) + j0;    // R[i, j0 + r] for i ≥ jb, step ld
                        for (var k = jb + ((j0 - jb) / width * width); k < n; k += width)
                        {
                            var b = g + ((long)jb * ld) + k;
                            if (wide)
                            {
                                Tile6x16(a, ld, b, ld, j0 - jb, tr + k, ld, accumulate: jb > 0);
                                for (var r = 0; r < rows; r++)
                                {
                                    var o = g + ((long)(j0 + r) * ld) + k;
                                    var s = tr + ((long)r * ld) + k;
                                    (Vector512.Load(o) - Vector512.Load(s)).Store(o);
                                    (Vector512.Load(o + Nr) - Vector512.Load(s + Nr)).Store(o + Nr);
                                }
                            }
                            else
                            {
                                Tile(a, ld, b, ld, j0 - jb, tr + k, ld, accumulate: jb > 0);
                                for (var r = 0; r < rows; r++)
                                {
                                    var o = g + ((long)(j0 + r) * ld) + k;
                                    var s = tr + ((long)r * ld) + k;
                                    Avx.Store(o, Avx.Subtract(Avx.LoadVector256(o), Avx.LoadVector256(s)));
                                    Avx.Store(o + 4, Avx.Subtract(Avx.LoadVector256(o + 4), Avx.LoadVector256(s + 4)));
                                }
                            }
                        }
                    }

                    if (!FinishPanel(g, ld, n, j0, rows))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>Part p of a parallel step: for its share of the (panel, column tile) pairs, T[r, k] = Σ_{i&lt;jb} R[i, j0 + r]·R[i, k]
    /// (an FMA chain from +0) for the panel's rows and the tile's columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CholeskyBlockPart(void* context, int part, int parts)
    {
        var w = (CholeskyWork*)context;
        var ld = w->Ld;
        var jb = w->Jb;
        var width = w->Wide ? 2 * Nr : Nr;
        var (i0, i1) = WorkSplit.Range((long)w->Panels * w->Tiles, part, parts);
        for (var item = (int)i0; item < i1; item++)
        {
            var panel = item / w->Tiles;
            var k = jb + (item % w->Tiles * width);
            var j0 = jb + (panel * Mr);
            var c = w->T + ((long)panel * Mr * ld) + k;
            if (w->Wide)
            {
                Tile6x16(w->G + j0, ld, w->G + k, ld, jb, c, ld, accumulate: false);
            }
            else
            {
                Tile(w->G + j0, ld, w->G + k, ld, jb, c, ld, accumulate: false);
            }
        }
    }

    /// <summary>Rows [j0, j0 + rows) of R from what is left of G after the sums over the rows above the panel: row by row,
    /// R[j, k] ← (G[j, k] − Σ_{j0≤i&lt;j} R[i, j]·R[i, k]) / R[j, j] for k &gt; j with R[j, j] = √(what is left of G[j, j]).
    /// False when a pivot is not positive or not finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool FinishPanel(double* g, int ld, int n, int j0, int rows)
    {
        for (var j = j0; j < j0 + rows; j++)
        {
            var row = g + ((long)j * ld);
            for (var i = j0; i < j; i++)
            {
                var ri = g + ((long)i * ld);
                var s = Vector256.Create(ri[j]);
                for (var k = j; k < n; k += 4)
                {
                    Avx.Store(row + k, Fma.MultiplyAddNegated(s, Avx.LoadVector256(ri + k), Avx.LoadVector256(row + k)));
                }
            }

            var d = row[j];
            if (!(d > 0) || !double.IsFinite(d))
            {
                return false;
            }

            var rjj = Math.Sqrt(d);
            row[j] = rjj;
            DivideRange(row, j + 1, n, rjj);
        }

        return true;
    }
}
