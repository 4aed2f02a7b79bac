using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// Additive attention masks for <see cref="Ops.ScaledDotProductAttention"/>: 0 where a query may attend to a key and
/// −∞ where it may not, so that softmax gives the masked keys weight 0. torch: the float <c>attn_mask</c> of
/// <c>F.scaled_dot_product_attention</c> / <c>nn.MultiheadAttention</c>.
/// </summary>
public static class AttentionMask
{
    /// <summary>The causal mask: query i may attend to keys 0…i. Shape: (length, length), −∞ above the diagonal.
    /// torch: <c>torch.full((L, L), -inf).triu(1)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public static FloatTensor Causal(long length) => Causal(length, length);

    /// <summary>The causal mask for <paramref name="queries"/> queries and <paramref name="keys"/> keys, aligned at the
    /// top left as torch's <c>is_causal</c>: query i may attend to keys 0…i. Shape: (queries, keys).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public static FloatTensor Causal(long queries, long keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queries);
        ArgumentOutOfRangeException.ThrowIfNegative(keys);
        var mask = new FloatTensor(queries, keys);
        var m = mask.AsSpan();
        for (long i = 0; i < queries; i++)
        {
            for (var j = i + 1; j < keys; j++)
            {
                m[(int)((i * keys) + j)] = float.NegativeInfinity;
            }
        }

        return mask;
    }

    /// <summary>A key-padding mask: <paramref name="padded"/> holds, row-major for each of <paramref name="batch"/>
    /// sequences, whether each of its keys is padding. Shape: (batch, 1, 1, keys), −∞ at padded keys, which broadcasts
    /// against scores (batch, heads, L, keys). torch: <c>key_padding_mask</c> turned into an additive mask.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="padded"/> is not a multiple of
    /// <paramref name="batch"/>.</exception>
    public static FloatTensor KeyPadding(ReadOnlySpan<bool> padded, long batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (padded.Length % batch != 0)
        {
            throw new ArgumentException($"KeyPadding: {padded.Length} flags cannot be split into {batch} sequences of equal length.", nameof(padded));
        }

        var keys = padded.Length / batch;
        var mask = new FloatTensor(batch, 1, 1, keys);
        var m = mask.AsSpan();
        for (var i = 0; i < padded.Length; i++)
        {
            m[i] = padded[i] ? float.NegativeInfinity : 0f;
        }

        return mask;
    }

    /// <summary>A key-padding mask from each sequence's length: in sequence b the keys at positions ≥ lengths[b] are
    /// padding. Shape: (batch, 1, 1, keys) with batch = the number of lengths.</summary>
    /// <exception cref="ArgumentException"><paramref name="lengths"/> is not 1-D, or a length is outside [0, keys].</exception>
    public static FloatTensor KeyPadding(IndexTensor lengths, long keys)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Rank != 1)
        {
            throw new ArgumentException($"KeyPadding: lengths must be 1-D; got shape {FloatTensor.FormatShape(lengths.Shape)}.", nameof(lengths));
        }

        var mask = new FloatTensor(lengths.Length, 1, 1, keys);
        var m = mask.AsSpan();
        for (var b = 0; b < lengths.Length; b++)
        {
            var n = lengths[b];
            if (n < 0 || n > keys)
            {
                throw new ArgumentException($"KeyPadding: length {n} of sequence {b} is outside [0, {keys}].", nameof(lengths));
            }

            m.Slice((int)((b * keys) + n), (int)(keys - n)).Fill(float.NegativeInfinity);
        }

        return mask;
    }
}
