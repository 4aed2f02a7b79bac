using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn.Positional;

/// <summary>
/// A minimal token lookup table (parameter <c>"weight"</c>, (num, d), N(0, 1) as <c>nn.Embedding</c>) used by
/// <see cref="TokenAndPositionEmbedding"/> until it can use <c>EmbedSharp.Nn.Embedding</c>; the state-dict names are the
/// same either way (<c>token.weight</c>).
/// </summary>
internal sealed class TokenTable : Module
{
    internal TokenTable(int numEmbeddings, int dim, IRandomSource generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Weight = RegisterParameter("weight", new Parameter(new Tensor(numEmbeddings, dim))); // (num, d)
        Init.Normal(Weight.Value, generator);
    }

    internal Parameter Weight { get; }

    internal long NumEmbeddings => Weight.Value.Shape[0];

    /// <summary>Throws, naming the position, the index and the table size, if any index is outside [0, num).</summary>
    internal void CheckIndices(IndexTensor indices, string paramName)
    {
        var ids = indices.AsSpan();
        var n = NumEmbeddings;
        for (var i = 0; i < ids.Length; i++)
        {
            if ((ulong)ids[i] >= (ulong)n)
            {
                throw new ArgumentOutOfRangeException(
                    paramName, $"Index {ids[i]} at flat position {i} is outside the token table of {n} rows.");
            }
        }
    }
}
