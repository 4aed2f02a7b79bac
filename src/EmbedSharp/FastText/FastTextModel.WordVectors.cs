using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;

namespace EmbedSharp.FastText;

/// <summary>The word-vector half of <see cref="FastTextModel"/>: vectors of any word from its own row and its character
/// n-gram rows (fastText: <c>getWordVector</c>, <c>print-ngrams</c>).</summary>
public sealed partial class FastTextModel
{
    /// <summary>The subword vector for vocabulary alignment: <see cref="GetWordVector(string, Span{float})"/> when the word
    /// has at least one row (its own or an n-gram), false otherwise or for a label.</summary>
    public bool TryGetVector(string word, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(word);
        var id = IndexOf(word);
        if ((id >= 0 && Entries[id].Type != FastTextEntryType.Word) || Subwords(word).Count == 0)
        {
            return false;
        }

        GetWordVector(word, destination);
        return true;
    }

    /// <summary>
    /// The vector of any word (fastText: <c>getWordVector</c>, <c>print-word-vectors</c>): the sum of the word's own row
    /// (when it is in the dictionary) and its character n-gram rows, times <c>(float)(1.0 / rows)</c>; zero when there is
    /// no row (maxn = 0 and unknown, or shorter than minn). The word is looked up by its UTF-8 bytes.
    /// Shape: destination (Dimension).
    /// </summary>
    /// <exception cref="ArgumentException">The destination length is not <see cref="Dimension"/>, or the word is a label
    /// (fastText asserts there).</exception>
    public void GetWordVector(string word, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(word);
        CheckDestination(destination);
        var rented = RentFor(word);
        var buffer = rented is null ? stackalloc byte[StackBytes] : rented;
        try
        {
            WordVectorCore(buffer[..Encoding.UTF8.GetBytes(word, buffer)], destination);
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>The vector of the word with these UTF-8 (or any) bytes; see <see cref="GetWordVector(string, Span{float})"/>.</summary>
    public void GetWordVector(ReadOnlySpan<byte> word, Span<float> destination)
    {
        CheckDestination(destination);
        WordVectorCore(word, destination);
    }

    /// <summary>
    /// The rows that make up <paramref name="word"/>'s vector, as <c>fasttext print-ngrams</c> lists them: the word itself
    /// first when it is in the dictionary, then its character n-grams (none for <c>&lt;/s&gt;</c>).
    /// </summary>
    public IReadOnlyList<FastTextSubword> Subwords(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var bytes = Encoding.UTF8.GetBytes(word);
        var result = new List<FastTextSubword>();
        var id = _dict.GetId(bytes);
        if (id >= 0)
        {
            result.Add(new FastTextSubword(_entries[id].Word, id));
        }

        if (_dict.EosSubwords || !bytes.AsSpan().SequenceEqual(FastTextDictionary.Eos))
        {
            var wrapped = new byte[bytes.Length + 2];
            wrapped[0] = (byte)'<';
            bytes.CopyTo(wrapped, 1);
            wrapped[^1] = (byte)'>';
            var e = new SubwordEnumerator(wrapped, Args.Minn, Args.Maxn);
            while (e.MoveNext())
            {
                result.Add(new FastTextSubword(Encoding.UTF8.GetString(wrapped, e.Start, e.Length), NgramRow(e.Hash)));
            }
        }

        return result;
    }

    private int NgramRow(uint hash) => WordCount + (int)(hash % (uint)Args.Bucket);

    private void WordVectorCore(ReadOnlySpan<byte> word, Span<float> destination)
    {
        destination.Clear();
        var rows = 0;
        var id = _dict.GetId(word);
        if (id >= 0)
        {
            if (id >= WordCount)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"'{_entries[id].Word}' is label {id - WordCount} (entry {id}), not a word; fastText asserts i < nwords here."), nameof(word));
            }

            TensorPrimitives.Add(destination, Input.Row(id), destination);
            rows++;
        }

        rows += AddNgramRows(word, destination);
        if (rows > 0)
        {
            TensorPrimitives.Multiply(destination, (float)(1.0 / rows), destination);
        }
    }

    /// <summary>Adds the rows of the word's character n-grams to <paramref name="destination"/>, in fastText's order.</summary>
    /// <returns>The number of rows added.</returns>
    private int AddNgramRows(ReadOnlySpan<byte> word, Span<float> destination)
    {
        if (Args.Maxn <= 0 || (!_dict.EosSubwords && word.SequenceEqual(FastTextDictionary.Eos)))
        {
            return 0;
        }

        byte[]? rented = null;
        var wrapped = word.Length + 2 <= StackBytes ? stackalloc byte[word.Length + 2] : (rented = ArrayPool<byte>.Shared.Rent(word.Length + 2)).AsSpan(0, word.Length + 2);
        try
        {
            wrapped[0] = (byte)'<';
            word.CopyTo(wrapped[1..]);
            wrapped[^1] = (byte)'>';
            var rows = 0;
            var e = new SubwordEnumerator(wrapped, Args.Minn, Args.Maxn);
            while (e.MoveNext())
            {
                TensorPrimitives.Add(destination, Input.Row(NgramRow(e.Hash)), destination);
                rows++;
            }

            return rows;
        }
        finally
        {
            Return(rented);
        }
    }
}
