using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.FastText;

/// <summary>
/// Parses a fastText <c>.bin</c> stream (fasttext.cc <c>loadModel</c>): magic, version (12 or 11), args, dictionary,
/// quantized input flag, input matrix, qout flag, output matrix; or the layout of fastText before 2017-05 (args,
/// dictionary without pruneidx_size, input matrix, output matrix). Every count is checked against the bytes that remain before
/// anything is allocated for it (when the stream can tell its length). It returns the sections; it knows nothing of
/// <see cref="FastTextModel"/>, which is built from them.
/// </summary>
internal static class FastTextBinReader
{
    private const int StagedBlockFloats = 1 << 20;

    /// <summary>Reads the file at <paramref name="path"/> (gzip is detected), opened once; it is read once from start to
    /// end, so a pipe or FIFO is streamed (a device that never ends is refused; over a pipe, gzip is not detected).</summary>
    public static FastTextBinContent ReadFile(string path, FastTextBinReadOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = Numerics.Formats.InputFile.Open(path, seekableFor: null, bufferSize: 1);
        return ReadStream(file, path, options);
    }

    /// <summary>Reads from the stream's current position to its end; a seekable stream starting with the gzip magic is
    /// decompressed.</summary>
    public static FastTextBinContent ReadStream(Stream stream, string? path, FastTextBinReadOptions options)
    {
        if (stream.CanSeek)
        {
            var start = stream.Position;
            Span<byte> head = stackalloc byte[2];
            var n = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            stream.Position = start;
            if (n == 2 && head[0] == 0x1F && head[1] == 0x8B)
            {
                using var gz = GzipInput.Open(stream, path, m => new FastTextFormatException(path, m), leaveOpen: true);
                return Read(new FastTextBinInput(gz, path), options);
            }
        }

        return Read(new FastTextBinInput(stream, path), options);
    }

    public static FastTextBinContent Read(FastTextBinInput input, FastTextBinReadOptions options)
    {
        var first = input.ReadInt32("the magic number");
        int version;
        FastTextOptions args;
        if (first == FastTextBinConstants.Magic)
        {
            version = input.ReadInt32("the version");
            if (version is not (FastTextBinConstants.Version or FastTextBinConstants.Version11))
            {
                throw input.Error(Invariant($"Unsupported fastText model version {version}; this reader supports versions {FastTextBinConstants.Version11} and {FastTextBinConstants.Version} (fastText 2017-05 to 0.9.2) and the older files without a magic number."), 4);
            }

            args = ReadArgs(input, null);
        }
        else
        {
            // fastText before 2017-05 (commit af68932) wrote no magic number and version: the file starts with args.dim.
            version = FastTextBinConstants.VersionBeforeMagic;
            args = ReadArgs(input, first);
        }

        if (version == FastTextBinConstants.Version11 && args.Model == FastTextModelKind.Supervised)
        {
            // fasttext.cc loadModel (since 2017-10): "old supervised models do not use char ngrams".
            args = args with { Maxn = 0 };
        }
        else if (version == FastTextBinConstants.VersionBeforeMagic && args.Model == FastTextModelKind.Supervised)
        {
            args = args with { Maxn = 0 }; // dictionary.cc getLine of that time added no subwords to supervised lines
        }

        var hasPruneIndex = version != FastTextBinConstants.VersionBeforeMagic;
        var dict = ReadDictionary(input, args, options, hasPruneIndex, version, out var pruneSize, out var invalid, out var duplicates);

        var quantAt = input.Offset;
        var quantInput = hasPruneIndex && ReadBool(input, "the quantized-input flag");
        if (quantInput)
        {
            throw new NotSupportedException(Invariant(
                $"'{input.Path ?? "stream"}' is a quantized fastText model (.ftz, flag at byte offset {quantAt}); product-quantized matrices are not supported. Use the unquantized .bin."));
        }

        if (pruneSize >= 0)
        {
            throw input.Error(Invariant($"The dictionary is pruned (pruneidx_size {pruneSize}) but the input matrix is not quantized; fastText refuses such a file too (\"Invalid model file\")."), quantAt);
        }

        var inputMatrix = ReadMatrix(input, "input", (long)dict.WordCount + args.Bucket, args.Dim, options);
        var qout = hasPruneIndex && ReadBool(input, "the quantized-output flag");
        var outputMatrix = ReadMatrix(input, "output", null, args.Dim, options);
        if (!input.AtEnd())
        {
            var extra = input.Remaining is { } r ? Invariant($"{r} bytes follow") : "more bytes follow";
            throw input.Error($"Trailing data: {extra} the output matrix, where a fastText model ends.");
        }

        return new FastTextBinContent(args, dict, inputMatrix, outputMatrix, qout, invalid, duplicates) { FileVersion = version };
    }

    /// <summary>
    /// True when <paramref name="head"/> (a file's first bytes) is plausibly a fastText <c>.bin</c> from before the magic
    /// number (fastText before 2017-05, read by gensim's <c>_fasttext_bin.py</c> as the "old header format"): 12 int32
    /// args (dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate), a float64 t, then
    /// the dictionary's int32 size, nwords, nlabels and int64 ntokens, every value in the range fastText itself writes.
    /// No text file passes: loss and model must be the int32 1..3.
    /// </summary>
    public static bool LooksLikeBeforeMagic(ReadOnlySpan<byte> head)
    {
        const int Needed = FastTextBinConstants.ArgsBytes + (3 * sizeof(int)) + sizeof(long);
        if (head.Length < Needed)
        {
            return false;
        }

        var f = new int[17];
        for (var k = 0; k < f.Length; k++)
        {
            f[k] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(head[(k * 4)..]);
        }

        var t = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(head[48..]);
        int size = f[14], nwords = f[15], nlabels = f[16];
        var ntokens = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(head[68..]);
        return PlausibleArgs(f, t) is null
            && nwords >= 0 && nlabels >= 0 && (long)nwords + nlabels == size && ntokens >= 0;
    }

    /// <summary>Why the twelve int32 args <paramref name="f"/> (dim … lrUpdateRate) and t cannot come from fastText, or
    /// null: each must lie in the range fastText writes (dim ≤ 65536, loss and model 1..3, minn, maxn ≤ 1000, t in [0, 1]).</summary>
    private static string? PlausibleArgs(ReadOnlySpan<int> f, double t)
    {
        string[] names = ["dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn", "lrUpdateRate"];
        (int Min, int Max)[] ranges =
        [
            (1, FastTextBinConstants.MaxPlausibleDim), (1, 100_000), (1, 10_000_000), (0, int.MaxValue), (0, int.MaxValue), (1, 1000),
            (1, 3), (1, 3), (0, int.MaxValue), (0, 1000), (0, 1000), (1, int.MaxValue),
        ];
        for (var k = 0; k < names.Length; k++)
        {
            if (f[k] < ranges[k].Min || f[k] > ranges[k].Max)
            {
                return Invariant($"args.{names[k]} would be {f[k]}, outside {ranges[k].Min}..{ranges[k].Max}");
            }
        }

        return double.IsFinite(t) && t >= 0 && t <= 1 ? null : Invariant($"args.t would be {t}, outside [0, 1]");
    }

    /// <summary>Reads <c>Args::save</c>; <paramref name="dimRead"/> is args.dim when the caller already read it (files
    /// without a magic number start with it).</summary>
    private static FastTextOptions ReadArgs(FastTextBinInput input, int? dimRead)
    {
        var at = input.Offset - (dimRead is null ? 0 : sizeof(int));
        input.Require(FastTextBinConstants.ArgsBytes - (dimRead is null ? 0 : sizeof(int)), "the arguments", input.Offset);
        var dim = dimRead ?? input.ReadInt32("args.dim");
        var ws = input.ReadInt32("args.ws");
        var epoch = input.ReadInt32("args.epoch");
        var minCount = input.ReadInt32("args.minCount");
        var neg = input.ReadInt32("args.neg");
        var wordNgrams = input.ReadInt32("args.wordNgrams");
        var loss = (FastTextLoss)input.ReadInt32("args.loss");
        var model = (FastTextModelKind)input.ReadInt32("args.model");
        var bucket = input.ReadInt32("args.bucket");
        var minn = input.ReadInt32("args.minn");
        var maxn = input.ReadInt32("args.maxn");
        var lrUpdateRate = input.ReadInt32("args.lrUpdateRate");
        var t = input.ReadDouble("args.t");
        var args = new FastTextOptions
        {
            Dim = dim,
            Ws = ws,
            Epoch = epoch,
            MinCount = minCount,
            Neg = neg,
            WordNgrams = wordNgrams,
            Loss = loss,
            Model = model,
            Bucket = bucket,
            Minn = minn,
            Maxn = maxn,
            LrUpdateRate = lrUpdateRate,
            T = t,
        };
        if (dimRead is not null
            && PlausibleArgs([dim, ws, epoch, minCount, neg, wordNgrams, (int)loss, (int)model, bucket, minn, maxn, lrUpdateRate], t) is { } implausible)
        {
            throw input.Error(Invariant($"This is not a fastText model: the first int32 is {dimRead}, not the magic number {FastTextBinConstants.Magic} of fastText files since 2017-05 (versions 11 and 12), and read as the older layout without a magic number (args dim, ws, epoch, … first) {implausible}."), 0);
        }

        if (args.BinProblem() is { } problem)
        {
            throw dimRead is null
                ? input.Error("Invalid arguments: " + problem, at)
                : input.Error(Invariant($"This is not a fastText model: the first int32 is {dimRead}, not the magic number {FastTextBinConstants.Magic} of fastText files since 2017-05 (versions 11 and 12), and read as the older layout without a magic number (args dim, ws, epoch, … first) its arguments are invalid: {problem}"), 0);
        }

        return args;
    }

    /// <summary>Reads the dictionary section (dictionary.cc <c>Dictionary::load</c>): int32 size, nwords, nlabels; int64
    /// ntokens, pruneidx_size (not in files without a magic number); per entry the NUL-terminated word, int64 count, int8
    /// type; then pruneidx_size (int32, int32) pairs. Returns the entries that are not valid UTF-8 and those that repeat an
    /// earlier word.</summary>
    private static FastTextDictionary ReadDictionary(
        FastTextBinInput input, FastTextOptions args, FastTextBinReadOptions options, bool hasPruneIndex, int version,
        out long pruneSize, out int[] invalid, out int[] duplicates)
    {
        var at = input.Offset;
        input.Require(FastTextBinConstants.DictionaryHeaderBytes - (hasPruneIndex ? 0 : sizeof(long)), "the dictionary header", at);
        var size = input.ReadInt32("the dictionary size");
        var nwords = input.ReadInt32("the word count");
        var nlabels = input.ReadInt32("the label count");
        var ntokens = input.ReadInt64("the token count");
        pruneSize = hasPruneIndex ? input.ReadInt64("the pruning index size") : FastTextBinConstants.NotPruned;
        if (size < 0 || nwords < 0 || nlabels < 0 || (long)nwords + nlabels != size || ntokens < 0 || pruneSize < FastTextBinConstants.NotPruned)
        {
            throw input.Error(Invariant($"Invalid dictionary header: size {size}, nwords {nwords}, nlabels {nlabels}, ntokens {ntokens}, pruneidx_size {pruneSize} (sizes must be non-negative, size = nwords + nlabels, pruneidx_size ≥ −1)."), at);
        }

        var entriesAt = input.Offset;
        var minBytes = ((long)size * FastTextBinConstants.MinEntryBytes) + (Math.Max(0, pruneSize) * 2 * sizeof(int));
        input.Require(minBytes, Invariant($"the {size} dictionary entries and {Math.Max(0, pruneSize)} pruning pairs (at least)"), entriesAt);
        if (input.Remaining is null && pruneSize > int.MaxValue)
        {
            throw input.Error(Invariant($"The pruning index claims {pruneSize} pairs."), at);
        }

        // Sized from the header only when the stream length vouches for it; otherwise grown as entries arrive.
        var capacity = input.Remaining is null ? Math.Min(size, 1 << 16) : size;
        var entries = new List<(byte[] Word, long Count, FastTextEntryType Type)>(capacity);
        var word = new byte[64];
        var invalidList = new List<int>();
        long length = 0;
        for (var i = 0; i < size; i++)
        {
            var wordAt = input.Offset;
            var n = input.ReadNulTerminated(ref word, Invariant($"the word of entry {i}"), FastTextLimits.MaxWordBytes);
            length += n;
            if (length > Array.MaxLength)
            {
                throw input.Error("The dictionary's words exceed 2 GB.", wordAt);
            }

            var bytes = word.AsSpan(0, n);
            if (!Utf8.IsValid(bytes))
            {
                if (options.InvalidUtf8 == Utf8Policy.Strict)
                {
                    throw input.Error(Invariant($"Entry {i} is not valid UTF-8 (bytes {HexPrefix(bytes)}); choose Utf8Policy.Replace or Skip to accept it."), wordAt);
                }

                invalidList.Add(i);
            }

            var count = input.ReadInt64(Invariant($"the count of entry {i}"));
            var typeAt = input.Offset;
            var type = input.ReadByte(Invariant($"the type of entry {i}"));
            var expected = i < nwords ? FastTextEntryType.Word : FastTextEntryType.Label;
            if (type != (byte)expected)
            {
                throw input.Error(Invariant($"Entry {i} ('{TextPrefix(bytes)}') has type {type}; with nwords = {nwords} it must be {(byte)expected} ({expected}): words come first, then labels."), typeAt);
            }

            entries.Add((bytes.ToArray(), count, expected));
        }

        for (long p = 0; p < pruneSize; p++)
        {
            // Only pruned (quantized) models have pairs; they are read to reach the flag that refuses the file.
            input.ReadInt32("a pruning index key");
            input.ReadInt32("a pruning index value");
        }

        // Before version 12 (fastText commit ebbd3bf, 2017-10) initNgrams gave </s> character n-grams like any word.
        var dict = FastTextDictionary.FromEntries(entries, ntokens, args.Minn, args.Maxn, args.Bucket, args.T, allowDuplicates: true,
            eosSubwords: version < FastTextBinConstants.Version);

        // fastText resolves a repeated word to its last entry; report every entry that repeats an earlier one.
        var seen = new HashSet<int>();
        var dup = new List<int>();
        for (var i = 0; i < size; i++)
        {
            if (!seen.Add(dict.GetId(dict.GetWordBytes(i))))
            {
                dup.Add(i);
            }
        }

        duplicates = [.. dup];
        invalid = [.. invalidList];
        return dict;
    }

    private static bool ReadBool(FastTextBinInput input, string what)
    {
        var at = input.Offset;
        var b = input.ReadByte(what);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw input.Error(Invariant($"{what} is {b}; a C++ bool is 0 or 1."), at),
        };
    }

    private static FloatTensor ReadMatrix(FastTextBinInput input, string name, long? rows, int dim, FastTextBinReadOptions options)
    {
        var at = input.Offset;
        var m = input.ReadInt64($"the {name} matrix row count");
        var n = input.ReadInt64($"the {name} matrix column count");
        if (m < 0 || n != dim || (rows is { } r && m != r))
        {
            var want = rows is { } rr ? Invariant($"({rr}, {dim}) = (nwords + bucket, dim)") : Invariant($"(rows ≥ 0, {dim})");
            throw input.Error(Invariant($"The {name} matrix claims shape ({m}, {n}); expected {want}."), at);
        }

        var dataAt = input.Offset;
        if (input.Remaining is { } left && m > left / sizeof(float) / n)
        {
            throw input.Error(Invariant($"The file is too short: the {name} matrix ({m}, {n}) needs {(decimal)m * n * sizeof(float)} bytes but only {left} remain."), at);
        }

        FloatTensor t;
        if (input.Remaining is not null)
        {
            t = new FloatTensor(m, n);
            long done = 0;
            for (var c = 0; c < t.ChunkCount; c++)
            {
                var chunk = t.Chunk(c);
                input.ReadFloats(chunk, $"the {name} matrix");
                CheckFinite(input, chunk, name, dataAt, done, n, options);
                done += chunk.Length;
            }
        }
        else
        {
            // A stream of unknown length (gzip): read in blocks first, so a false claim costs only what the stream holds.
            var total = checked(m * n);
            var blocks = new List<float[]>();
            for (long done = 0; done < total;)
            {
                var block = new float[(int)Math.Min(StagedBlockFloats, total - done)];
                input.ReadFloats(block, $"the {name} matrix");
                CheckFinite(input, block, name, dataAt, done, n, options);
                blocks.Add(block);
                done += block.Length;
            }

            t = new FloatTensor(m, n);
            long at2 = 0;
            foreach (var block in blocks)
            {
                t.WriteFlat(at2, block);
                at2 += block.Length;
            }
        }

        return t;
    }

    private static void CheckFinite(FastTextBinInput input, ReadOnlySpan<float> values, string name, long dataAt, long first, long dim, FastTextBinReadOptions options)
    {
        if (options.AllowNonFinite)
        {
            return;
        }

        var i = IndexOfNonFinite(values);
        if (i >= 0)
        {
            var element = first + i;
            throw input.Error(Invariant($"The {name} matrix holds {values[i]} at row {element / dim}, column {element % dim} (flat element {element}); set AllowNonFinite to accept NaN and infinities."), dataAt + (element * sizeof(float)));
        }
    }

    /// <summary>Index of the first NaN or ±Inf (all exponent bits set), or −1.</summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var mask = Vector256.Create(0x7F800000u);
            for (; i + Vector256<uint>.Count <= values.Length; i += Vector256<uint>.Count)
            {
                var v = Vector256.Create(values.Slice(i, Vector256<float>.Count)).AsUInt32();
                if (Vector256.EqualsAny(v & mask, mask))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>At most the first 32 bytes of a word in hex, for a message (a damaged word may be a megabyte long).</summary>
    private static string HexPrefix(ReadOnlySpan<byte> bytes) =>
        bytes.Length <= 32 ? Convert.ToHexString(bytes) : Invariant($"{Convert.ToHexString(bytes[..32])}… ({bytes.Length:N0} bytes)");

    /// <summary>At most the first 40 characters of a word, for a message.</summary>
    private static string TextPrefix(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 160)]);
        return text.Length <= 40 && bytes.Length <= 160 ? text : Invariant($"{text[..Math.Min(text.Length, 40)]}… ({bytes.Length:N0} bytes)");
    }
}
