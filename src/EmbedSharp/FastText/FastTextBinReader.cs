using System.Globalization;
using System.Runtime.Intrinsics;
using EmbedSharp.Numerics;

namespace EmbedSharp.FastText;

/// <summary>
/// Parses a fastText 0.9.x <c>.bin</c> stream (fasttext.cc <c>loadModel</c>): magic, version, args, dictionary, quantized
/// input flag, input matrix, qout flag, output matrix. Every count is checked against the bytes that remain before
/// anything is allocated for it (when the stream can tell its length).
/// </summary>
internal static class FastTextBinReader
{
    private const int StagedBlockFloats = 1 << 20;

    public static FastTextModel Read(FastTextBinInput input, FastTextBinReadOptions options)
    {
        var magic = input.ReadInt32("the magic number");
        if (magic != FastTextBinConstants.Magic)
        {
            throw input.Error(Invariant($"This is not a fastText model: the first int32 is {magic}, not the magic number {FastTextBinConstants.Magic}."), 0);
        }

        var version = input.ReadInt32("the version");
        if (version != FastTextBinConstants.Version)
        {
            throw input.Error(Invariant($"Unsupported fastText model version {version}; this reader supports version {FastTextBinConstants.Version} (fastText 0.2 to 0.9.2)."), 4);
        }

        var args = ReadArgs(input);
        var dict = FastTextDictionary.ReadBin(input, args, options, out var pruneSize, out var invalid, out var duplicates);

        var quantAt = input.Offset;
        var quantInput = ReadBool(input, "the quantized-input flag");
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
        var qout = ReadBool(input, "the quantized-output flag");
        var outputMatrix = ReadMatrix(input, "output", null, args.Dim, options);
        if (!input.AtEnd())
        {
            var extra = input.Remaining is { } r ? Invariant($"{r} bytes follow") : "more bytes follow";
            throw input.Error($"Trailing data: {extra} the output matrix, where a fastText model ends.");
        }

        return new FastTextModel(args, dict, inputMatrix, outputMatrix, qout, invalid, duplicates, options.InvalidUtf8);
    }

    private static FastTextArgs ReadArgs(FastTextBinInput input)
    {
        var at = input.Offset;
        input.Require(FastTextBinConstants.ArgsBytes, "the arguments", at);
        var dim = input.ReadInt32("args.dim");
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
        var args = new FastTextArgs(dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t);
        if (args.Problem() is { } problem)
        {
            throw input.Error("Invalid arguments: " + problem, at);
        }

        return args;
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
                CheckFinite(input, chunk, name, dataAt, done, options);
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
                CheckFinite(input, block, name, dataAt, done, options);
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

    private static void CheckFinite(FastTextBinInput input, ReadOnlySpan<float> values, string name, long dataAt, long first, FastTextBinReadOptions options)
    {
        if (options.AllowNonFinite)
        {
            return;
        }

        var i = IndexOfNonFinite(values);
        if (i >= 0)
        {
            var element = first + i;
            throw input.Error(Invariant($"The {name} matrix holds {values[i]} at flat element {element}; set AllowNonFinite to accept NaN and infinities."), dataAt + (element * sizeof(float)));
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
}
