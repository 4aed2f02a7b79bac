using System.Numerics.Tensors;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Rounds float32 values to the 16-bit float formats the way the reference tools store them. Finite values round to
/// nearest, ties to even, and values beyond the largest finite number become ±∞ in every rule; the rules differ only in
/// the NaN bit patterns they write:
/// <list type="bullet">
/// <item><see cref="Rule.NumpyHalf"/>: numpy 1.24 <c>arr.astype(np.float16)</c> (<c>npy_floatbits_to_halfbits</c>): sign
/// kept, the top 10 payload bits kept, and a payload that would become 0 (an infinity) is made 1.</item>
/// <item><see cref="Rule.TorchHalf"/>: PyTorch 1.13 <c>tensor.to(torch.float16)</c> on CPU: sign kept, payload replaced by
/// the quiet NaN 0x7E00.</item>
/// <item><see cref="Rule.TorchBFloat16"/>: PyTorch 1.13 <c>tensor.to(torch.bfloat16)</c> on CPU: the upper 16 bits after adding
/// 0x7FFF + (bit 16) (round to nearest even, <c>c10::round_to_nearest_even</c>); every NaN becomes 0xFFFF, as ATen's
/// vectorised <c>cvtfp32_bf16</c> writes it (the scalar c10 path would write 0x7FC0; both are NaN).</item>
/// </list>
/// </summary>
internal static class HalfRounding
{
    /// <summary>Which conversion (see the type's summary).</summary>
    public enum Rule
    {
        NumpyHalf,
        TorchHalf,
        TorchBFloat16,
    }

    /// <summary>Converts <paramref name="source"/> to 16-bit patterns under <paramref name="rule"/>.</summary>
    public static void Convert(Rule rule, ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }

        switch (rule)
        {
            case Rule.NumpyHalf or Rule.TorchHalf:
                // TensorPrimitives rounds like the scalar (Half) cast: to nearest even, overflow to ±∞, correct subnormals.
                var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, Half>(destination[..source.Length]);
                TensorPrimitives.ConvertToHalf(source, halves);
                for (var i = 0; i < source.Length; i++)
                {
                    if (float.IsNaN(source[i]))
                    {
                        destination[i] = rule == Rule.NumpyHalf ? NumpyNaN(source[i]) : TorchNaN(source[i]);
                    }
                }

                break;
            case Rule.TorchBFloat16:
                for (var i = 0; i < source.Length; i++)
                {
                    destination[i] = ToBFloat16(source[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(rule));
        }
    }

    /// <summary>One value as binary16 bits under <paramref name="rule"/> (NumpyHalf or TorchHalf).</summary>
    public static ushort ToHalf(float value, Rule rule) =>
        !float.IsNaN(value) ? BitConverter.HalfToUInt16Bits((Half)value)
        : rule == Rule.NumpyHalf ? NumpyNaN(value) : TorchNaN(value);

    /// <summary>One value as bfloat16 bits, rounded as PyTorch 1.13 on CPU.</summary>
    public static ushort ToBFloat16(float value)
    {
        if (float.IsNaN(value))
        {
            return 0xFFFF;
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        var bias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + bias) >> 16);
    }

    private static ushort NumpyNaN(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var payload = (ushort)((bits & 0x007FFFFFu) >> 13);
        if (payload == 0)
        {
            payload = 1;
        }

        return (ushort)(((bits >> 16) & 0x8000u) | 0x7C00u | payload);
    }

    private static ushort TorchNaN(float value) =>
        (ushort)(((BitConverter.SingleToUInt32Bits(value) >> 16) & 0x8000u) | 0x7E00u);
}
