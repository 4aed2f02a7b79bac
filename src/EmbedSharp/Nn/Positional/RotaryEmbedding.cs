using EmbedSharp.Autograd;
using EmbedSharp.Numerics;

namespace EmbedSharp.Nn.Positional;

/// <summary>
/// Rotary position embedding, RoPE (Su et al. 2021, RoFormer): each pair (a, b) of a query/key head vector at position m
/// is rotated by angle m·θ_i, θ_i = base^(−2i/d): (a, b) ↦ (a·cos − b·sin, a·sin + b·cos). Then ⟨R(m)q, R(n)k⟩ depends
/// only on m − n. PyTorch has no module for it; the equivalents are Hugging Face's <c>apply_rotary_pos_emb</c>
/// (<see cref="RotaryLayout.HalfSplit"/>) and GPT-J / LLaMA's complex form (<see cref="RotaryLayout.Interleaved"/>).
/// </summary>
/// <remarks>
/// cos(m·θ_i) and sin(m·θ_i) are computed in double (θ_i = Math.Pow(base, −2i/d), angle = m·θ_i) and rounded once to
/// float; they are cached per position and the cache grows (doubling) when a later position is asked for, so a call that
/// reaches a new position allocates once. The rotation itself is float32 with the products rounded before the sum (no
/// fma), the operation order of <c>x * cos + rotate_half(x) * sin</c>. Hugging Face computes inv_freq and the angles in
/// float32, which differs from these double tables by up to a few ulps of the angle. Not thread-safe while the cache grows.
/// Shape: x (…, seq, headDim), any number of leading dimensions; the result has the same shape.
/// </remarks>
public sealed class RotaryEmbedding
{
    private float[] _cos = []; // (capacity, headDim/2) row-major
    private float[] _sin = []; // (capacity, headDim/2) row-major
    private readonly double[] _theta; // (headDim/2,)

    /// <summary>Creates a rotary embedding for heads of width <paramref name="headDim"/>.</summary>
    /// <param name="headDim">Width d of one head; must be even.</param>
    /// <param name="base">The wavelength base (10000 in RoFormer and LLaMA; Hugging Face: <c>rope_theta</c>).</param>
    /// <param name="layout">Which elements form the rotated pairs.</param>
    /// <exception cref="ArgumentOutOfRangeException">headDim is not positive, base is not a finite value above 0, or the layout is unknown.</exception>
    /// <exception cref="ArgumentException">headDim is odd.</exception>
    public RotaryEmbedding(int headDim, double @base = 10000.0, RotaryLayout layout = RotaryLayout.Interleaved)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        if (headDim % 2 != 0)
        {
            throw new ArgumentException($"Rotary embeddings rotate pairs, so headDim must be even; got {headDim}.", nameof(headDim));
        }

        if (!(@base > 0) || double.IsInfinity(@base))
        {
            throw new ArgumentOutOfRangeException(nameof(@base), @base, "The base must be a finite value above 0.");
        }

        if (!Enum.IsDefined(layout))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown rotary layout.");
        }

        HeadDim = headDim;
        Base = @base;
        Layout = layout;
        _theta = new double[headDim / 2];
        for (var i = 0; i < _theta.Length; i++)
        {
            _theta[i] = Math.Pow(@base, -(2.0 * i) / headDim);
        }
    }

    /// <summary>Width of one head.</summary>
    public int HeadDim { get; }

    /// <summary>The wavelength base.</summary>
    public double Base { get; }

    /// <summary>Which elements form the rotated pairs.</summary>
    public RotaryLayout Layout { get; }

    /// <summary>Number of positions whose cos/sin are cached (0, 1, …, CachedPositions−1).</summary>
    public int CachedPositions => _cos.Length / (HeadDim / 2);

    /// <summary>θ_i = base^(−2i/d) for i = 0..d/2−1, in double.</summary>
    public ReadOnlySpan<double> Theta => _theta;

    /// <summary>Cached cos(m·θ_i), row m. Shape: (CachedPositions, headDim/2).</summary>
    public ReadOnlySpan<float> CosTable => _cos;

    /// <summary>Cached sin(m·θ_i), row m. Shape: (CachedPositions, headDim/2).</summary>
    public ReadOnlySpan<float> SinTable => _sin;

    /// <summary>Makes sure positions 0..positions−1 are cached (grows to at least double the old size).</summary>
    /// <exception cref="ArgumentOutOfRangeException">positions is negative or the table would exceed one array.</exception>
    public void EnsureCapacity(long positions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(positions);
        var half = HeadDim / 2;
        var have = CachedPositions;
        if (positions <= have)
        {
            return;
        }

        var maxPositions = Array.MaxLength / half;
        if (positions > maxPositions)
        {
            throw new ArgumentOutOfRangeException(nameof(positions), positions, $"At most {maxPositions} positions can be cached for headDim = {HeadDim}.");
        }

        var capacity = (int)Math.Min(maxPositions, Math.Max(positions, Math.Max(16L, 2L * have)));
        var cos = new float[(long)capacity * half];
        var sin = new float[(long)capacity * half];
        _cos.CopyTo(cos, 0);
        _sin.CopyTo(sin, 0);
        for (long m = have; m < capacity; m++)
        {
            var row = (int)(m * half);
            for (var i = 0; i < half; i++)
            {
                var (s, c) = Math.SinCos(m * _theta[i]);
                cos[row + i] = (float)c;
                sin[row + i] = (float)s;
            }
        }

        _cos = cos;
        _sin = sin;
    }

    /// <summary>Rotates <paramref name="x"/> in place: position offset + s for sequence index s.</summary>
    /// <param name="x">Shape (…, seq, headDim).</param>
    /// <param name="positionOffset">Position of sequence index 0 (the cache length when decoding).</param>
    /// <exception cref="ArgumentException">x has rank below 2 or its last dimension is not headDim.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative.</exception>
    public void Apply(FloatTensor x, long positionOffset = 0) => Apply(x, x, positionOffset);

    /// <summary>Writes the rotation of <paramref name="x"/> into <paramref name="destination"/> (may be x itself).</summary>
    /// <exception cref="ArgumentException">Bad shape of x, or a destination of another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative.</exception>
    public void Apply(FloatTensor x, FloatTensor destination, long positionOffset = 0) => Run(x, destination, positionOffset, inverse: false);

    /// <summary>Rotates back by −m·θ_i in place (R(m)ᵀ = R(−m)): undoes <see cref="Apply(FloatTensor, long)"/> and is its backward.</summary>
    /// <exception cref="ArgumentException">x has rank below 2 or its last dimension is not headDim.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative.</exception>
    public void ApplyInverse(FloatTensor x, long positionOffset = 0) => ApplyInverse(x, x, positionOffset);

    /// <summary>Writes the inverse rotation of <paramref name="x"/> into <paramref name="destination"/> (may be x itself).</summary>
    /// <exception cref="ArgumentException">Bad shape of x, or a destination of another shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative.</exception>
    public void ApplyInverse(FloatTensor x, FloatTensor destination, long positionOffset = 0) => Run(x, destination, positionOffset, inverse: true);

    /// <summary>Rotates each position through the graph: y = R(offset + s)·x, recorded for backward.
    /// Shape: x (…, seq, headDim), unchanged. Backward: dx = R(offset + s)ᵀ·g, the inverse rotation.
    /// torch: the rotary embedding of RoFormer / LLaMA (no single torch op).</summary>
    /// <exception cref="ArgumentException">x has rank below 2 or its last dimension is not headDim.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset is negative.</exception>
    public Variable Forward(Variable x, long positionOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckShape(x.Data, nameof(x));
        var y = new FloatTensor(x.Shape);
        Run(x.Data, y, positionOffset, inverse: false);
        return Ops.Tracks(x.RequiresGrad) ? new Variable(y, new RotaryNode(this, x, positionOffset)) : new Variable(y);
    }

    /// <summary>Returns a new tensor y = R(offset + s)·x for each position. Shape: x (…, seq, headDim).</summary>
    internal FloatTensor Forward(FloatTensor x, long positionOffset = 0)
    {
        CheckShape(x, nameof(x));
        var y = new FloatTensor(x.Shape);
        Apply(x, y, positionOffset);
        return y;
    }

    /// <summary>dL/dx = R(offset + s)ᵀ·dL/dy, a new tensor (the rotation is orthogonal, so its transpose is its inverse).</summary>
    internal FloatTensor Backward(FloatTensor gradOutput, long positionOffset = 0)
    {
        CheckShape(gradOutput, nameof(gradOutput));
        var g = new FloatTensor(gradOutput.Shape);
        ApplyInverse(gradOutput, g, positionOffset);
        return g;
    }

    /// <summary>Span form: <paramref name="source"/> holds whole sequences of <paramref name="seqLen"/> positions
    /// (k·seqLen·headDim floats, row-major (k, seqLen, headDim)); each is rotated into <paramref name="destination"/>
    /// (which may overlap source exactly). Allocates nothing once positions up to offset + seqLen are cached.</summary>
    /// <exception cref="ArgumentException">The lengths do not match or are not whole sequences.</exception>
    /// <exception cref="ArgumentOutOfRangeException">seqLen or the offset is negative.</exception>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, int seqLen, long positionOffset, bool inverse = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seqLen);
        ArgumentOutOfRangeException.ThrowIfNegative(positionOffset);
        if (destination.Length != source.Length)
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats; the source has {source.Length}.", nameof(destination));
        }

        var block = (long)seqLen * HeadDim;
        if (block == 0 ? source.Length != 0 : source.Length % block != 0)
        {
            throw new ArgumentException(
                $"The source length {source.Length} is not a whole number of sequences of {seqLen} × headDim {HeadDim}.", nameof(source));
        }

        EnsureCapacity(positionOffset + seqLen);
        RotateSequences(source, destination, seqLen, positionOffset, inverse);
    }

    private void Run(FloatTensor x, FloatTensor destination, long positionOffset, bool inverse)
    {
        CheckShape(x, nameof(x));
        ArgumentNullException.ThrowIfNull(destination);
        if (!x.Shape.SequenceEqual(destination.Shape))
        {
            throw new ArgumentException(
                $"The destination has shape {FloatTensor.FormatShape(destination.Shape)} but x has {FloatTensor.FormatShape(x.Shape)}.", nameof(destination));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(positionOffset);
        var seq = x.Shape[^2];
        EnsureCapacity(positionOffset + seq);
        if (x.Length == 0)
        {
            return;
        }

        if (x.Rank == 2)
        {
            // Rows are positions; chunks hold whole rows.
            if (x.IsSingleChunk && destination.IsSingleChunk)
            {
                RotateSequences(x.AsSpan(), destination.AsSpan(), (int)seq, positionOffset, inverse);
                return;
            }

            for (long s = 0; s < seq; s++)
            {
                RotateSequences(x.Row(s), destination.Row(s), 1, positionOffset + s, inverse);
            }

            return;
        }

        // Rank ≥ 3: each row (slice along dim 0) holds whole (…, seq, headDim) blocks.
        for (long r = 0; r < x.RowCount; r++)
        {
            RotateSequences(x.Row(r), destination.Row(r), (int)seq, positionOffset, inverse);
        }
    }

    /// <summary>Rotates the query and key columns of a packed in-projection (L, B, 3E), sequence first as
    /// <see cref="MultiheadAttention"/> computes it: the heads of width <see cref="HeadDim"/> in columns [0, 2E) of row
    /// (l, b) turn by position l; the value columns [2E, 3E) are copied. The same kernel, vector by vector, as
    /// <see cref="Forward(Variable, long)"/> after the head split, so the same bits; it lets the fused self-attention
    /// node take rotary positions. Backward: the inverse rotation of the same columns.</summary>
    internal Variable ForwardPackedQueryKey(Variable packed)
    {
        ArgumentNullException.ThrowIfNull(packed);
        var shape = packed.Shape;
        if (shape.Length != 3 || shape[2] % 3 != 0 || (shape[2] / 3) % HeadDim != 0)
        {
            throw new ArgumentException($"Expected a packed projection (L, B, 3E) with E a multiple of {HeadDim}; got {FloatTensor.FormatShape(shape)}.", nameof(packed));
        }

        EnsureCapacity(shape[0]);
        var y = new FloatTensor(shape);
        RotatePacked(packed.Data, y, inverse: false);
        return Ops.Tracks(packed.RequiresGrad) ? new Variable(y, new PackedNode(this, packed)) : new Variable(y);
    }

    private void RotatePacked(FloatTensor source, FloatTensor destination, bool inverse)
    {
        var d = HeadDim;
        var half = d / 2;
        var width = (int)source.Shape[2];
        var qk = width / 3 * 2;
        var batch = (int)source.Shape[1];
        for (long l = 0; l < source.Shape[0]; l++)
        {
            var src = source.Row(l);   // (B, 3E), contiguous within its chunk
            var dst = destination.Row(l);
            var cos = _cos.AsSpan((int)(l * half), half);
            var sin = _sin.AsSpan((int)(l * half), half);
            for (var b = 0; b < batch; b++)
            {
                var at = b * width;
                for (var c = 0; c < qk; c += d)
                {
                    RotaryKernel.Rotate(src.Slice(at + c, d), cos, sin, dst.Slice(at + c, d), Layout, inverse);
                }

                src.Slice(at + qk, width - qk).CopyTo(dst.Slice(at + qk, width - qk));
            }
        }
    }

    /// <summary>The packed rotation's node: backward rotates the gradient's query and key columns back and passes the
    /// value columns through.</summary>
    private sealed class PackedNode(RotaryEmbedding rope, Variable packed) : Node(packed)
    {
        public override string Name => "RotaryPackedBackward";

        private protected override bool ReadsInput(int index) => false;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = NewGradientUninitialized(gradOutput.Shape);
            rope.RotatePacked(gradOutput, g, inverse: true);
            gradInputs[0] = g;
        }
    }

    /// <summary>The rotation's node: forward R(offset + s)·x above, backward the inverse rotation of g (the same kernel,
    /// <see cref="RotaryKernel.Rotate"/> with inverse), which reads no saved values.</summary>
    private sealed class RotaryNode(RotaryEmbedding rope, Variable x, long positionOffset) : Node(x)
    {
        public override string Name => "RotaryEmbeddingBackward";

        private protected override bool ReadsInput(int index) => false;

        internal override void Backward(FloatTensor gradOutput, Span<FloatTensor?> gradInputs)
        {
            var g = NewGradient(gradOutput.Shape);
            rope.Run(gradOutput, g, positionOffset, inverse: true);
            gradInputs[0] = g;
        }
    }

    private void CheckShape(FloatTensor x, string paramName)
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.Rank < 2 || x.Shape[^1] != HeadDim)
        {
            throw new ArgumentException(
                $"Expected a tensor of shape (…, seq, {HeadDim}) (last dimension = headDim {HeadDim}); got {FloatTensor.FormatShape(x.Shape)}.", paramName);
        }
    }

    private void RotateSequences(ReadOnlySpan<float> source, Span<float> destination, int seqLen, long positionOffset, bool inverse)
    {
        var d = HeadDim;
        var half = d / 2;
        var block = seqLen * d;
        for (var start = 0; start < source.Length; start += block)
        {
            for (var s = 0; s < seqLen; s++)
            {
                var row = (int)((positionOffset + s) * half);
                var at = start + (s * d);
                RotaryKernel.Rotate(
                    source.Slice(at, d), _cos.AsSpan(row, half), _sin.AsSpan(row, half), destination.Slice(at, d), Layout, inverse);
            }
        }
    }
}
