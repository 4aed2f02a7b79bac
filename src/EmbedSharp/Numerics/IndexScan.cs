using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EmbedSharp.Numerics;

/// <summary>Vectorised scans over index arrays (bounds checks before a kernel runs).</summary>
internal static class IndexScan
{
    /// <summary>The position of the first index outside [0, <paramref name="bound"/>), or −1 if there is none.
    /// Four indices per 256-bit compare (as unsigned, so negative indices count as too large).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int FirstOutOfRange(ReadOnlySpan<long> indices, long bound)
    {
        var n = indices.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 16 && bound >= 0)
        {
            ref var r = ref MemoryMarshal.GetReference(indices);
            var limit = Vector256.Create((ulong)bound);
            for (; i + 16 <= n; i += 16)
            {
                var a = Vector256.LoadUnsafe(ref r, (nuint)i).AsUInt64();
                var b = Vector256.LoadUnsafe(ref r, (nuint)(i + 4)).AsUInt64();
                var c = Vector256.LoadUnsafe(ref r, (nuint)(i + 8)).AsUInt64();
                var d = Vector256.LoadUnsafe(ref r, (nuint)(i + 12)).AsUInt64();
                var bad = Vector256.GreaterThanOrEqual(a, limit) | Vector256.GreaterThanOrEqual(b, limit)
                    | Vector256.GreaterThanOrEqual(c, limit) | Vector256.GreaterThanOrEqual(d, limit);
                if (bad != Vector256<ulong>.Zero)
                {
                    break; // the scalar loop below names the first one
                }
            }
        }

        for (; i < n; i++)
        {
            if ((ulong)indices[i] >= (ulong)bound)
            {
                return i;
            }
        }

        return -1;
    }
}
