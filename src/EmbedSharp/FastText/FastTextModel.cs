using System.Buffers;
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
/// last one, as in fastText. Vector queries allocate nothing. The class is split by concern: this file (parts, entries,
/// loading and saving, <see cref="ToWordVectors"/>), FastTextModel.WordVectors.cs and FastTextModel.SentenceVectors.cs.
/// It stands on the dictionary and on the internal <c>.bin</c> reader and writer, below the trainer and the public
/// <see cref="FastTextBinFile"/> facade (docs/formats/fasttext-bin.md, "Code layout").</remarks>
public sealed partial class FastTextModel : IWordVectorProvider
{
    private const int StackBytes = 512;
    private const int StackFloats = 1024;
    private static readonly byte[] LabelPrefix = "__label__"u8.ToArray();

    private readonly FastTextDictionary _dict;
    private readonly FastTextEntry[] _entries;

    /// <summary>Builds a model from its parts (for writing a <c>.bin</c> or computing vectors of your own tables).</summary>
    /// <param name="args">Training arguments; <c>Dim</c> is the column count of both matrices, and a <c>.bin</c> keeps the
    /// thirteen values fastText's <c>Args::save</c> writes.</param>
    /// <param name="entries">The dictionary: every word first, then every label; words distinct and free of NUL characters.</param>
    /// <param name="tokenCount">Tokens in the training corpus (fastText: <c>ntokens</c>).</param>
    /// <param name="input">Input matrix. Shape: (nwords + args.Bucket, args.Dim).</param>
    /// <param name="output">Output matrix. Shape: (any, args.Dim) — fastText writes (nlabels, dim) for supervised models and
    /// (nwords, dim) otherwise.</param>
    /// <exception cref="ArgumentException">Invalid args, a label before a word, a repeated word, a NUL in a word, a negative
    /// count, or a matrix shape that does not fit.</exception>
    public FastTextModel(FastTextOptions args, IReadOnlyList<FastTextEntry> entries, long tokenCount, FloatTensor input, FloatTensor output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (args.BinProblem() is { } problem)
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
        FileVersion = content.FileVersion;
        InvalidUtf8Entries = content.InvalidUtf8Entries;
        DuplicateEntries = content.DuplicateEntries;
        InvalidUtf8 = invalidUtf8Handling;
    }

    /// <summary>The training arguments (fastText: <c>getArgs</c>). Read from a <c>.bin</c>: the thirteen values it stores,
    /// fastText's defaults (<c>new FastTextOptions()</c>) for the others, as fastText's <c>loadModel</c>; built in memory:
    /// the options given.</summary>
    public FastTextOptions Args { get; }

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

    /// <summary>
    /// The <c>.bin</c> format version the model was read from: 12 (fastText 0.1 to 0.9.2, and every model built or trained
    /// here), 11 (fastText 2017-05 to 2017-10) or 0 (fastText before 2017-05, files without a magic number). Older files
    /// keep the semantics of the tool that wrote them: version 11 and 0 give <c>&lt;/s&gt;</c> character n-grams; their
    /// supervised models use no character n-grams (maxn read as 0, as fastText 0.9.2 does for version 11); version 0
    /// supervised word n-grams hash word ids and drop unknown words. <see cref="Save"/> always writes version 12.
    /// </summary>
    public int FileVersion { get; } = FastTextBinConstants.Version;

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
    /// <c>saveModel</c>); the file is replaced atomically (on failure any previous file is left intact). Always version 12,
    /// whatever <see cref="FileVersion"/> the model was read from (docs/formats/fasttext-bin.md, "Older files").</summary>
    /// <exception cref="NotSupportedException">A supervised model with word n-grams read from a file without a magic
    /// number (its n-gram rows hash word ids, which version 12 cannot express).</exception>
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
    internal void WriteTo(Stream stream)
    {
        if (FileVersion == FastTextBinConstants.VersionBeforeMagic && Args.Model == FastTextModelKind.Supervised && Args.WordNgrams > 1)
        {
            // Version 12 hashes word n-grams from token hashes; the rows of this model were trained on word-id hashes.
            throw new NotSupportedException(
                $"This supervised model comes from a fastText .bin without a magic number (before 2017-05) and uses word n-grams ({Args.WordNgrams}), which that fastText hashed from word ids; a version 12 file would hash tokens instead and change every prediction, so it is not re-saved.");
        }

        FastTextBinWriter.Write(stream, Args, _dict, Input, Output, OutputQuantizedFlag);
    }

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

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != Dimension)
        {
            throw new ArgumentException($"The destination has {destination.Length} elements; the model's dimension is {Dimension}.", nameof(destination));
        }
    }
}
