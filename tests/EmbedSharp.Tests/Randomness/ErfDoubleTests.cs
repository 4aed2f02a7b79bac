using System.Buffers.Binary;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Randomness;

public class ErfDoubleTests
{
    // tests/data/erf/erf_double.bin from tools/goldens/make_erf_double.py: records of three little-endian
    // uint64 bit patterns (x, glibc erf(x), glibc erfc(x)).
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "data", "erf", "erf_double.bin");

    private static (ulong X, ulong Erf, ulong Erfc)[] LoadFixture()
    {
        var bytes = File.ReadAllBytes(FixturePath);
        Assert.Equal(0, bytes.Length % 24);
        var records = new (ulong, ulong, ulong)[bytes.Length / 24];
        for (var i = 0; i < records.Length; i++)
        {
            var rec = bytes.AsSpan(i * 24, 24);
            records[i] = (BinaryPrimitives.ReadUInt64LittleEndian(rec),
                BinaryPrimitives.ReadUInt64LittleEndian(rec[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(rec[16..]));
        }

        return records;
    }

    /// <summary>Maps double bits onto a monotone integer line so that differences count ulps.</summary>
    private static long Ordered(ulong bits) => (long)bits < 0 ? long.MinValue - (long)bits : (long)bits;

    private static void AssertBitExact(Func<double, double> f, Func<(ulong X, ulong Erf, ulong Erfc), ulong> expected, string name)
    {
        var records = LoadFixture();
        Assert.True(records.Length >= 50_000, $"fixture too small: {records.Length}");
        var mismatches = 0;
        var maxUlp = 0L;
        string? first = null;
        foreach (var rec in records)
        {
            var x = BitConverter.UInt64BitsToDouble(rec.X);
            var got = BitConverter.DoubleToUInt64Bits(f(x));
            var want = expected(rec);
            if (got == want)
            {
                continue;
            }

            mismatches++;
            var ulp = Math.Abs(Ordered(got) - Ordered(want));
            maxUlp = Math.Max(maxUlp, ulp);
            first ??= FormattableString.Invariant(
                $"{name}({x:R}) [0x{rec.X:X16}]: got 0x{got:X16} ({BitConverter.UInt64BitsToDouble(got):R}), want 0x{want:X16} ({BitConverter.UInt64BitsToDouble(want):R})");
        }

        Assert.True(mismatches == 0,
            FormattableString.Invariant($"{name}: {mismatches} of {records.Length} mismatches, max {maxUlp} ulp; first: {first}"));
    }

    [Fact]
    public void Erf_matches_glibc_bit_for_bit_on_fixture() =>
        AssertBitExact(ErfDouble.Erf, r => r.Erf, "erf");

    [Fact]
    public void Erfc_matches_glibc_bit_for_bit_on_fixture() =>
        AssertBitExact(ErfDouble.Erfc, r => r.Erfc, "erfc");

    [Fact]
    public void Special_values()
    {
        Assert.Equal(0UL, BitConverter.DoubleToUInt64Bits(ErfDouble.Erf(0.0)));
        Assert.Equal(0x8000000000000000UL, BitConverter.DoubleToUInt64Bits(ErfDouble.Erf(-0.0)));
        Assert.Equal(1.0, ErfDouble.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, ErfDouble.Erf(double.NegativeInfinity));
        Assert.True(double.IsNaN(ErfDouble.Erf(double.NaN)));
        Assert.Equal(1.0, ErfDouble.Erfc(0.0));
        Assert.Equal(0.0, ErfDouble.Erfc(double.PositiveInfinity));
        Assert.Equal(2.0, ErfDouble.Erfc(double.NegativeInfinity));
        Assert.True(double.IsNaN(ErfDouble.Erfc(double.NaN)));
    }

    /// <summary>norm_cdf((a − mean)/std) and norm_cdf((b − mean)/std) exactly as <c>torch.nn.init.trunc_normal_</c>
    /// computes them in Python (values printed by tools/goldens/make_erf_double.py).</summary>
    [Theory]
    [InlineData(-2.0, 2.0, 0.0, 1.0, 0x3F974BCF82C9D860UL, 0x3FEF45A183E9B13DUL)]
    [InlineData(-1.0, 3.0, 0.5, 2.0, 0x3FCD0220056B3A4EUL, 0x3FEC9E845DA8AC7AUL)]
    [InlineData(-0.04, 0.04, 0.0, 0.02, 0x3F974BCF82C9D860UL, 0x3FEF45A183E9B13DUL)]
    [InlineData(0.0, 1.0, 0.0, 1.0, 0x3FE0000000000000UL, 0x3FEAEC4BD120D37DUL)]
    public void TruncNormal_norm_cdf_matches_python(double a, double b, double mean, double std, ulong lowBits, ulong highBits)
    {
        static double NormCdf(double v) => (1.0 + ErfDouble.Erf(v / Math.Sqrt(2.0))) / 2.0;

        Assert.Equal(lowBits, BitConverter.DoubleToUInt64Bits(NormCdf((a - mean) / std)));
        Assert.Equal(highBits, BitConverter.DoubleToUInt64Bits(NormCdf((b - mean) / std)));
    }
}
