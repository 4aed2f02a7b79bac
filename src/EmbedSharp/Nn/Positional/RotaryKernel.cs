namespace EmbedSharp.Nn.Positional;

/// <summary>The RoPE kernel for one head vector: (a, b) ↦ (a·c − b·s, b·c + a·s), or the inverse (a·c + b·s, b·c − a·s).</summary>
internal static class RotaryKernel
{
    /// <summary>Rotates one head vector x (length d) into <paramref name="destination"/> (may be x itself), pair i by the
    /// angle whose cos and sin are <paramref name="cos"/>[i] and <paramref name="sin"/>[i]. Products are rounded before
    /// the sum (no fma), as in PyTorch's <c>x * cos + rotate_half(x) * sin</c>.</summary>
    /// <exception cref="ArgumentException">The lengths do not agree (x and destination d, cos and sin d/2).</exception>
    public static void Rotate(ReadOnlySpan<float> x, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Span<float> destination,
        RotaryLayout layout, bool inverse = false)
    {
        var half = x.Length / 2;
        if (x.Length % 2 != 0 || destination.Length != x.Length || cos.Length != half || sin.Length != half)
        {
            throw new ArgumentException(
                $"Rotate needs x and destination of one even length d and cos/sin of d/2; got x {x.Length}, destination {destination.Length}, cos {cos.Length}, sin {sin.Length}.");
        }

        // Inverse: rotate by −angle, i.e. sin negated (exact).
        var sign = inverse ? -1f : 1f;
        if (layout == RotaryLayout.HalfSplit)
        {
            for (var i = 0; i < half; i++)
            {
                float a = x[i], b = x[i + half], c = cos[i], s = sign * sin[i];
                destination[i] = (a * c) - (b * s);
                destination[i + half] = (b * c) + (a * s);
            }
        }
        else
        {
            for (var i = 0; i < half; i++)
            {
                float a = x[2 * i], b = x[(2 * i) + 1], c = cos[i], s = sign * sin[i];
                destination[2 * i] = (a * c) - (b * s);
                destination[(2 * i) + 1] = (b * c) + (a * s);
            }
        }
    }
}
