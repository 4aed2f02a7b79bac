using System.Buffers;
using System.Numerics.Tensors;
using System.Text;

namespace EmbedSharp.FastText;

/// <summary>The sentence-vector half of <see cref="FastTextModel"/> (fastText: <c>getSentenceVector</c>,
/// <c>print-sentence-vectors</c>).</summary>
public sealed partial class FastTextModel
{
    /// <summary>
    /// The sentence vector of one line as <c>fasttext print-sentence-vectors</c> computes it (<c>getSentenceVector</c>).
    /// Unsupervised models: the line up to its first '\n' is split at C whitespace (space, \t, \n, \v, \f, \r; not NUL);
    /// each token's word vector v with float norm ‖v‖ &gt; 0 (sequential float sum of squares, sqrtf) is multiplied by
    /// <c>(float)(1.0/‖v‖)</c> and added; the sum is multiplied by <c>(float)(1.0/count)</c>; no EOS token.
    /// Supervised models: fastText's <c>getLine</c>: tokens split at space, \t, \v, \f, \r, NUL; the line's end adds the EOS
    /// token <c>&lt;/s&gt;</c>; labels are dropped; every word contributes its id and n-gram rows (unknown words their
    /// n-grams only), then word n-gram hashes (wordNgrams &gt; 1); the mean of all these input rows.
    /// Shape: destination (Dimension).
    /// </summary>
    /// <exception cref="ArgumentException">The destination length is not <see cref="Dimension"/>, or (unsupervised) a token
    /// is a label of the dictionary (fastText asserts there).</exception>
    public void GetSentenceVector(string line, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(line);
        CheckDestination(destination);
        var rented = RentFor(line);
        var buffer = rented is null ? stackalloc byte[StackBytes] : rented;
        try
        {
            ReadOnlySpan<byte> bytes = buffer[..Encoding.UTF8.GetBytes(line, buffer)];
            var newline = bytes.IndexOf((byte)'\n');
            if (Args.Model == FastTextModelKind.Supervised)
            {
                SupervisedSentence(newline < 0 ? bytes : bytes[..newline], destination);
            }
            else
            {
                UnsupervisedSentence(newline < 0 ? bytes : bytes[..newline], destination);
            }
        }
        finally
        {
            Return(rented);
        }
    }

    private static bool IsCSpace(byte c) => c == ' ' || (c >= '\t' && c <= '\r');

    private void UnsupervisedSentence(ReadOnlySpan<byte> line, Span<float> destination)
    {
        float[]? rented = null;
        var vec = Dimension <= StackFloats ? stackalloc float[Dimension] : (rented = ArrayPool<float>.Shared.Rent(Dimension)).AsSpan(0, Dimension);
        try
        {
            destination.Clear();
            var count = 0;
            var i = 0;
            while (i < line.Length)
            {
                while (i < line.Length && IsCSpace(line[i]))
                {
                    i++;
                }

                var start = i;
                while (i < line.Length && !IsCSpace(line[i]))
                {
                    i++;
                }

                if (i == start)
                {
                    break;
                }

                WordVectorCore(line[start..i], vec);
                var norm = SequentialNorm(vec);
                if (norm > 0)
                {
                    TensorPrimitives.Multiply(vec, (float)(1.0 / norm), vec);
                    TensorPrimitives.Add(destination, vec, destination);
                    count++;
                }
            }

            if (count > 0)
            {
                TensorPrimitives.Multiply(destination, (float)(1.0 / count), destination);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>fastText's <c>Vector::norm</c>: a sequential float32 sum of squares, then sqrtf.</summary>
    private static float SequentialNorm(ReadOnlySpan<float> v)
    {
        var sum = 0f;
        foreach (var x in v)
        {
            sum += x * x;
        }

        return MathF.Sqrt(sum);
    }

    private void SupervisedSentence(ReadOnlySpan<byte> line, Span<float> destination)
    {
        destination.Clear();
        var rows = 0;
        var hashes = new List<uint>();
        var i = 0;
        while (true)
        {
            // dictionary.cc readWord: separators are space, \n, \r, \t, \v, \f and NUL; the line's end is a '\n' → EOS.
            while (i < line.Length && (IsCSpace(line[i]) || line[i] == 0))
            {
                i++;
            }

            var start = i;
            while (i < line.Length && !IsCSpace(line[i]) && line[i] != 0)
            {
                i++;
            }

            var token = i > start ? line[start..i] : FastTextDictionary.Eos;
            var id = _dict.GetId(token);
            var isLabel = id >= 0 ? id >= WordCount : token.StartsWith(LabelPrefix);
            if (FileVersion == FastTextBinConstants.VersionBeforeMagic)
            {
                // dictionary.cc getLine before 2017-05: unknown tokens are dropped; word n-grams hash the word ids (addNgrams).
                if (id >= 0 && !isLabel)
                {
                    TensorPrimitives.Add(destination, Input.Row(id), destination);
                    rows++;
                    hashes.Add((uint)id);
                }
            }
            else if (!isLabel)
            {
                if (id < 0)
                {
                    rows += AddNgramRows(token, destination);
                }
                else if (Args.Maxn <= 0)
                {
                    TensorPrimitives.Add(destination, Input.Row(id), destination);
                    rows++;
                }
                else
                {
                    TensorPrimitives.Add(destination, Input.Row(id), destination);
                    rows += 1 + AddNgramRows(token, destination);
                }

                hashes.Add(FastTextHashing.Hash(token));
            }

            if (token.SequenceEqual(FastTextDictionary.Eos))
            {
                break; // dictionary.cc getLine stops at EOS (the line's end or a literal "</s>")
            }
        }

        // dictionary.cc addWordNgrams: hashes are stored as int32 and widened (sign-extended) to uint64.
        if (Args.Bucket > 0)
        {
            for (var a = 0; a < hashes.Count; a++)
            {
                var h = (ulong)(long)(int)hashes[a];
                for (var b = a + 1; b < hashes.Count && b < a + Args.WordNgrams; b++)
                {
                    h = (h * 116049371UL) + (ulong)(long)(int)hashes[b];
                    TensorPrimitives.Add(destination, Input.Row(WordCount + (int)(h % (ulong)Args.Bucket)), destination);
                    rows++;
                }
            }
        }

        if (rows > 0)
        {
            TensorPrimitives.Multiply(destination, (float)(1.0 / rows), destination);
        }
    }
}
