using EmbedSharp.Numerics;
using Microsoft.Extensions.AI;

namespace EmbedSharp.Embeddings;

/// <summary>
/// A model that maps a text to one vector of <see cref="Dimensions"/> floats, usable wherever .NET expects
/// <c>Microsoft.Extensions.AI</c>'s <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings. Subclasses say how
/// one text becomes a vector (<see cref="Embed(string, Span{float})"/>); this base class batches: <see cref="EmbedBatch"/>
/// fills one (texts × dimensions) tensor across threads, and <see cref="GenerateAsync"/> returns embeddings that share one
/// array per call.
/// </summary>
/// <remarks>Instances are immutable and thread-safe; <see cref="Dispose()"/> releases nothing unless a subclass owns
/// storage.</remarks>
public abstract class TextEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The length of every vector.</summary>
    public abstract int Dimensions { get; }

    /// <summary>A name for the model, reported as <see cref="Embedding.ModelId"/> and in the generator's metadata.</summary>
    public abstract string ModelId { get; }

    /// <summary>Writes the vector of <paramref name="text"/> into <paramref name="destination"/> and returns the number of
    /// tokens that went into it.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not <see cref="Dimensions"/> long.</exception>
    public abstract int Embed(string text, Span<float> destination);

    /// <summary>The vector of <paramref name="text"/> as a new array.</summary>
    public float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        Embed(text, vector);
        return vector;
    }

    /// <summary>The vectors of <paramref name="texts"/>, one row each, as a (texts, <see cref="Dimensions"/>) tensor. Rows
    /// are computed in parallel (<paramref name="maxDegreeOfParallelism"/>: -1 for all cores); each row is the same as
    /// <see cref="Embed(string, Span{float})"/> gives, whatever the thread count.</summary>
    public FloatTensor EmbedBatch(IReadOnlyList<string> texts, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new FloatTensor(texts.Count, Dimensions);
        EmbedRows(texts, result, maxDegreeOfParallelism, CancellationToken.None);
        return result;
    }

    /// <summary><c>Microsoft.Extensions.AI</c>'s entry point: one <see cref="Embedding{T}"/> per input, in order, over one
    /// shared array. <see cref="EmbeddingGenerationOptions.Dimensions"/>, when set, keeps the first that many components
    /// of each vector (as Model2Vec's <c>dimensionality</c> and Matryoshka-trained models expect) and re-normalises them
    /// when the model normalises; <see cref="GeneratedEmbeddings{TEmbedding}.Usage"/> counts the tokens used.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Options ask for more dimensions than the model has, or fewer than 1.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? [.. values];
        var width = options?.Dimensions ?? Dimensions;
        if (width < 1 || width > Dimensions)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"The model gives {Dimensions} dimensions; {width} were asked for.");
        }

        var rows = new FloatTensor(texts.Count, Dimensions);
        var tokens = EmbedRows(texts, rows, -1, cancellationToken);
        var flat = rows.AsSpan();
        var storage = width == Dimensions ? flat.ToArray() : new float[(long)texts.Count * width];
        if (width != Dimensions)
        {
            for (var i = 0; i < texts.Count; i++)
            {
                var target = storage.AsSpan(i * width, width);
                flat.Slice(i * Dimensions, width).CopyTo(target);
                if (NormalizesOutput)
                {
                    Normalize(target);
                }
            }
        }

        var created = DateTimeOffset.UtcNow;
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count)
        {
            Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens },
        };
        for (var i = 0; i < texts.Count; i++)
        {
            result.Add(new Embedding<float>(new ReadOnlyMemory<float>(storage, i * width, width)) { ModelId = ModelId, CreatedAt = created });
        }

        return Task.FromResult(result);
    }

    /// <summary>Whether vectors are scaled to unit length (then a shortened vector is re-normalised).</summary>
    public abstract bool NormalizesOutput { get; }

    /// <summary>This object for any type it is (including <see cref="TextEmbedder"/> and the generator interfaces), and an
    /// <see cref="EmbeddingGeneratorMetadata"/> (provider "EmbedSharp", <see cref="ModelId"/>, <see cref="Dimensions"/>);
    /// null for anything else or a non-null key.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return new EmbeddingGeneratorMetadata("EmbedSharp", null, ModelId, Dimensions);
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Releases storage the model owns (nothing, unless a subclass says otherwise).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases owned storage when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Scales <paramref name="vector"/> by 1 / (‖v‖₂ + 1e-32), Model2Vec's and sentence-transformers'
    /// <c>Normalize</c> (a zero vector stays zero).</summary>
    protected static void Normalize(Span<float> vector)
    {
        var norm = System.Numerics.Tensors.TensorPrimitives.Norm<float>(vector);
        System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm + 1e-32f, vector);
    }

    private long EmbedRows(IReadOnlyList<string> texts, FloatTensor rows, int maxDegreeOfParallelism, CancellationToken cancellationToken)
    {
        for (var i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], $"texts[{i}]");
        }

        long tokens = 0;
        if (texts.Count < 64 || maxDegreeOfParallelism == 1)
        {
            for (var i = 0; i < texts.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                tokens += Embed(texts[i], rows.Row(i));
            }

            return tokens;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, (texts.Count + 31) / 32, options, () => 0L, (block, _, count) =>
        {
            var end = Math.Min(texts.Count, (block + 1) * 32);
            for (var i = block * 32; i < end; i++)
            {
                count += Embed(texts[i], rows.Row(i));
            }

            return count;
        }, count => Interlocked.Add(ref tokens, count));
        return tokens;
    }
}
