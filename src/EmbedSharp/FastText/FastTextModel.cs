using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Alignment;
using EmbedSharp.Vectors.Formats;
using FloatTensor = EmbedSharp.Numerics.FloatTensor;

namespace EmbedSharp.FastText;

/// <summary>
/// A fastText model (the content of a <c>.bin</c> file): training arguments, dictionary (words then labels), the input
/// matrix (nwords + bucket, dim) holding word rows then hashed character/word n-gram rows, and the output matrix.
/// Computes the vector of ANY word exactly as fastText 0.9.2 does (<c>FastText::getWordVector</c>): the float32 sum, in
/// fastText's order, of the word's own row (if in the dictionary) and the rows of its character n-grams, multiplied by
/// <c>(float)(1.0 / rows)</c>; the zero vector when there is no row. Bit-exact with fastText's arithmetic.
/// </summary>
/// <remarks>Lookups go by the UTF-8 bytes of a word with fastText's own hash table, so duplicate entries resolve to the
/// last one, as in fastText. Vector queries allocate nothing.</remarks>
public sealed class FastTextModel : IWordVectorProvider
{
    private const int StackBytes = 512;
    private const int StackFloats = 1024;
    private static readonly byte[] LabelPrefix = "__label__"u8.ToArray();

    private readonly FastTextDictionary _dict;
    private readonly FastTextEntry[] _entries;

    /// <summary>Builds a model from its parts (for writing a <c>.bin</c> or computing vectors of your own tables).</summary>
    /// <param name="args">Training arguments; <c>Dim</c> is the column count of both matrices.</param>
    /// <param name="entries">The dictionary: every word first, then every label; words distinct and free of NUL characters.</param>
    /// <param name="tokenCount">Tokens in the training corpus (fastText: <c>ntokens</c>).</param>
    /// <param name="input">Input matrix. Shape: (nwords + args.Bucket, args.Dim).</param>
    /// <param name="output">Output matrix. Shape: (any, args.Dim) — fastText writes (nlabels, dim) for supervised models and
    /// (nwords, dim) otherwise.</param>
    /// <exception cref="ArgumentException">Invalid args, a label before a word, a repeated word, a NUL in a word, a negative
    /// count, or a matrix shape that does not fit.</exception>
    public FastTextModel(FastTextArgs args, IReadOnlyList<FastTextEntry> entries, long tokenCount, FloatTensor input, FloatTensor output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (args.Problem() is { } problem)
        {
            throw new ArgumentException("Invalid fastText arguments: " + problem, nameof(args));
        }

        var nwords = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            ArgumentNullException.ThrowIfNull(e.Word, nameof(entries));
            if (!Enum.IsDefined(e.Type) || e.Count < 0)
            {
                throw new ArgumentException($"Entry {i} ('{e.Word}') has type {(int)e.Type} and count {e.Count}; types are Word or Label, counts non-negative.", nameof(entries));
            }

            if (e.Type == FastTextEntryType.Word)
            {
                if (nwords != i)
                {
                    throw new ArgumentException($"Entry {i} ('{e.Word}') is a word after a label; fastText stores every word before the labels.", nameof(entries));
                }

                nwords++;
            }

            if (e.Word.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Entry {i} contains a NUL character, which ends a word in the .bin format.", nameof(entries));
            }

            if (!seen.Add(e.Word))
            {
                throw new ArgumentException($"The word '{e.Word}' appears twice (entry {i}); dictionary entries must be distinct.", nameof(entries));
            }
        }

        CheckMatrix(input, "input", (long)nwords + args.Bucket, args.Dim, nameof(input));
        CheckMatrix(output, "output", null, args.Dim, nameof(output));
        if (tokenCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, "The token count must not be negative.");
        }

        Args = args;
        _dict = FastTextDictionary.FromEntries(
            [.. entries.Select(e => (Encoding.UTF8.GetBytes(e.Word), e.Count, e.Type))], tokenCount, args.Minn, args.Maxn, args.Bucket, args.T);
        _entries = [.. entries];
        Input = input;
        Output = output;
        InvalidUtf8Entries = [];
        DuplicateEntries = [];
    }

    /// <summary>A model from the sections the <c>.bin</c> reader read.</summary>
    internal FastTextModel(FastTextBinContent content, Utf8Policy invalidUtf8Handling)
    {
        Args = content.Args;
        _dict = content.Dictionary;
        _entries = new FastTextEntry[_dict.Count];
        for (var i = 0; i < _entries.Length; i++)
        {
            _entries[i] = new FastTextEntry(_dict.GetWord(i), _dict.Counts[i], _dict.Types[i]);
        }

        Input = content.Input;
        Output = content.Output;
        OutputQuantizedFlag = content.OutputQuantizedFlag;
        InvalidUtf8Entries = content.InvalidUtf8Entries;
        DuplicateEntries = content.DuplicateEntries;
        InvalidUtf8 = invalidUtf8Handling;
    }

    /// <summary>The training arguments stored in the file.</summary>
    public FastTextArgs Args { get; }

    /// <summary>Vector dimension (args.dim).</summary>
    public int Dimension => Args.Dim;

    /// <summary>Number of words (fastText: <c>nwords</c>); entries 0..WordCount−1.</summary>
    public int WordCount => _dict.WordCount;

    /// <summary>Number of labels (fastText: <c>nlabels</c>); entries WordCount..End.</summary>
    public int LabelCount => _dict.LabelCount;

    /// <summary>Tokens in the training corpus (fastText: <c>ntokens</c>).</summary>
    public long TokenCount => _dict.TokenCount;

    /// <summary>Every dictionary entry: words, then labels.</summary>
    public IReadOnlyList<FastTextEntry> Entries => _entries;

    /// <summary>The words, in dictionary order.</summary>
    public IEnumerable<string> Words => _entries.Take(WordCount).Select(e => e.Word);

    /// <summary>The labels (for supervised models), in dictionary order.</summary>
    public IEnumerable<string> Labels => _entries.Skip(WordCount).Select(e => e.Word);

    /// <summary>Input matrix. Shape: (nwords + bucket, dim).</summary>
    public FloatTensor Input { get; }

    /// <summary>Output matrix. Shape: (nlabels or nwords, dim).</summary>
    public FloatTensor Output { get; }

    /// <summary>Entries whose bytes are not valid UTF-8 (their <see cref="FastTextEntry.Word"/> holds U+FFFD).</summary>
    public IReadOnlyList<int> InvalidUtf8Entries { get; }

    /// <summary>Entries whose bytes repeat an earlier entry's; fastText (and this class) resolves lookups to the last one.</summary>
    public IReadOnlyList<int> DuplicateEntries { get; }

    /// <summary>The <c>qout</c> flag read from the file (fastText writes it even for a dense output matrix).</summary>
    internal bool OutputQuantizedFlag { get; }

    private Utf8Policy InvalidUtf8 { get; } = Utf8Policy.Replace;

    /// <summary>Reads a fastText <c>.bin</c> (or gzip-compressed <c>.bin.gz</c>) file (fastText: <c>loadModel</c>); the
    /// checks are listed on <see cref="FastTextBinFile"/>, which reads streams too.</summary>
    /// <exception cref="TensorFormatException">The file is malformed (message names the byte offset).</exception>
    /// <exception cref="NotSupportedException">The model is quantized.</exception>
    public static FastTextModel Load(string path, FastTextBinReadOptions? options = null)
    {
        var o = options ?? FastTextBinReadOptions.Default;
        return new FastTextModel(FastTextBinReader.ReadFile(path, o), o.InvalidUtf8);
    }

    /// <summary>Writes this model as a fastText <c>.bin</c> file that <c>fasttext print-word-vectors</c> reads (fastText:
    /// <c>saveModel</c>); the file is replaced atomically (on failure any previous file is left intact).</summary>
    public void Save(string path) => AtomicFile.Write(path, WriteTo);

    /// <summary>The entry id of <paramref name="word"/> (a word or a label), or −1 (fastText: <c>getId</c>).</summary>
    public int IndexOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var rented = RentFor(word);
        var buffer = rented is null ? stackalloc byte[StackBytes] : rented;
        try
        {
            return _dict.GetId(buffer[..Encoding.UTF8.GetBytes(word, buffer)]);
        }
        finally
        {
            Return(rented);
        }
    }

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

        if (!bytes.AsSpan().SequenceEqual(FastTextDictionary.Eos))
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

    /// <summary>
    /// The words and their full vectors (what fastText's <c>.vec</c> file holds: <c>saveVectors</c> prints
    /// <c>getWordVector(word)</c> for every word id). Strings that repeat keep their first position (their vector is the
    /// one fastText computes, i.e. the last duplicate's); with <see cref="Utf8Policy.Skip"/> invalid words are left out.
    /// </summary>
    /// <param name="limit">Keep only the first <paramref name="limit"/> words (fastText orders words by descending count).</param>
    public WordVectors ToWordVectors(int? limit = null)
    {
        if (limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");
        }

        var skip = InvalidUtf8 == Utf8Policy.Skip ? new HashSet<int>(InvalidUtf8Entries) : null;
        var ids = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < WordCount && ids.Count < (limit ?? int.MaxValue); i++)
        {
            if (skip?.Contains(i) == true || !seen.Add(_entries[i].Word))
            {
                continue;
            }

            ids.Add(i);
        }

        var vectors = new FloatTensor(ids.Count, Dimension);
        var words = new string[ids.Count];
        for (var r = 0; r < ids.Count; r++)
        {
            words[r] = _entries[ids[r]].Word;
            WordVectorCore(_dict.GetWordBytes(ids[r]), vectors.Row(r));
        }

        return new WordVectors(words, vectors);
    }

    internal FastTextDictionary Dictionary => _dict;

    /// <summary>Writes this model in the <c>.bin</c> layout to a stream (not closed).</summary>
    internal void WriteTo(Stream stream) => FastTextBinWriter.Write(stream, Args, _dict, Input, Output, OutputQuantizedFlag);

    private static void CheckMatrix(FloatTensor m, string name, long? rows, int dim, string param)
    {
        if (m.Rank != 2 || m.Shape[1] != dim || (rows is { } r && m.Shape[0] != r))
        {
            var expected = rows is { } rr ? $"({rr}, {dim}) = (nwords + bucket, dim)" : $"(rows, {dim})";
            throw new ArgumentException($"The {name} matrix has shape {FloatTensor.FormatShape(m.Shape)}; expected {expected}.", param);
        }
    }

    /// <summary>A buffer for the UTF-8 bytes of <paramref name="s"/>: rented when the stack buffer is too small.</summary>
    private static byte[]? RentFor(string s) =>
        Encoding.UTF8.GetMaxByteCount(s.Length) <= StackBytes ? null : ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(s.Length));

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool IsCSpace(byte c) => c == ' ' || (c >= '\t' && c <= '\r');

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != Dimension)
        {
            throw new ArgumentException($"The destination has {destination.Length} elements; the model's dimension is {Dimension}.", nameof(destination));
        }
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
        if (Args.Maxn <= 0 || word.SequenceEqual(FastTextDictionary.Eos))
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
            if (!isLabel)
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
