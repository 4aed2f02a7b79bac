using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.FastText;

/// <summary>
/// The state of a <see cref="WordVectorTrainer"/> run at the end of an epoch, as written to a checkpoint file.
/// <para>File layout (little-endian): magic <c>ESWVCKPT</c>, int32 version 1; the options (model, loss, dim, epoch,
/// lr f64, ws, neg, minCount, minn, maxn, bucket, t f64, lrUpdateRate, thread, seed, wordNgrams, maxVocabSize);
/// int64 corpus length; int32 epochs done; int64 shared token count; int64 training ticks; the dictionary (int64
/// tokens, int32 entries, each: int32 byte length, the UTF-8 bytes as read, int64 count, byte type); per worker: int64
/// reader offset, byte at-end flag, 4 × uint32 random state, int64 unflushed tokens, f64 loss sum, int64 loss count,
/// Epoch × (f64, int64) epoch losses; the input matrix ((WordCount + Bucket) × Dim float32) and the output matrix
/// (rows × Dim float32, rows = WordCount for ns/softmax, WordCount − 1 used by hs but WordCount stored); magic <c>END.</c>.</para>
/// <para>Model and loss are stored as this file's own codes, not fastText's numbers: model 0 skip-gram, 1 CBOW; loss 0
/// negative sampling, 1 hierarchical softmax, 2 softmax.</para>
/// </summary>
internal sealed class TrainingCheckpoint
{
    private static ReadOnlySpan<byte> Magic => "ESWVCKPT"u8;

    private static ReadOnlySpan<byte> EndMagic => "END."u8;

    private const int Version = 1;

    public required FastTextOptions Options { get; init; }

    public required long CorpusLength { get; init; }

    public required int EpochsDone { get; init; }

    public required long TokenCount { get; init; }

    public required TimeSpan TrainingTime { get; init; }

    public required FastTextDictionary Dictionary { get; init; }

    public required WorkerCheckpoint[] Workers { get; init; }

    public required NativeMatrix Input { get; init; }

    public required NativeMatrix Output { get; init; }

    /// <summary>Writes the checkpoint atomically: a crash or cancellation while writing leaves the previous file intact.</summary>
    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true); // BinaryWriter is little-endian on every host
        w.Write(Magic);
        w.Write(Version);
        var o = Options;
        foreach (var v in new[] { ModelCode(o.Model), LossCode(o.Loss), o.Dim, o.Epoch })
        {
            w.Write(v);
        }

        w.Write(o.Lr);
        foreach (var v in new[] { o.Ws, o.Neg, o.MinCount, o.Minn, o.Maxn, o.Bucket })
        {
            w.Write(v);
        }

        w.Write(o.T);
        foreach (var v in new[] { o.LrUpdateRate, o.Thread, o.Seed, o.WordNgrams, o.MaxVocabSize })
        {
            w.Write(v);
        }

        w.Write(CorpusLength);
        w.Write(EpochsDone);
        w.Write(TokenCount);
        w.Write(TrainingTime.Ticks);
        w.Write(Dictionary.TokenCount);
        w.Write(Dictionary.Count);
        for (var i = 0; i < Dictionary.Count; i++)
        {
            var word = Dictionary.GetWordBytes(i);
            w.Write(word.Length);
            w.Write(word);
            w.Write(Dictionary.GetCount(i));
            w.Write((byte)Dictionary.GetEntryType(i));
        }

        foreach (var s in Workers)
        {
            w.Write(s.ReaderOffset);
            w.Write(s.ReaderAtEnd);
            w.Write(s.Random.S0);
            w.Write(s.Random.S1);
            w.Write(s.Random.S2);
            w.Write(s.Random.S3);
            w.Write(s.UnflushedTokens);
            w.Write(s.LossSum);
            w.Write(s.LossCount);
            for (var e = 0; e < o.Epoch; e++)
            {
                w.Write(s.EpochLossSum[e]);
                w.Write(s.EpochLossCount[e]);
            }
        }

        w.Flush();
        WriteMatrix(stream, Input);
        WriteMatrix(stream, Output);
        stream.Write(EndMagic);
    });

    /// <summary>Reads only the options of a checkpoint.</summary>
    public static FastTextOptions ReadOptions(string path) => Open(path, (stream, r) => ReadHeader(path, r));

    /// <summary>Reads a checkpoint, checking every count against the file length before allocating.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FastTextFormatException">Not a checkpoint, another version, or a truncated or inconsistent file
    /// (the message names the file and the offset).</exception>
    public static TrainingCheckpoint Load(string path) => Open(path, (stream, r) => Read(path, stream, r));

    private static T Open<T>(string path, Func<FileStream, BinaryReader, T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The checkpoint '{path}' does not exist.", path);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            return read(stream, r);
        }
        catch (EndOfStreamException e)
        {
            throw new FastTextFormatException(path, -1, stream.Position, $"The checkpoint '{path}' is truncated at byte {stream.Position} of {stream.Length}.", e);
        }
    }

    private static FastTextOptions ReadHeader(string path, BinaryReader r)
    {
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new FastTextFormatException(path, $"'{path}' is not a word-vector training checkpoint (no ESWVCKPT magic).");
        }

        var version = r.ReadInt32();
        if (version != Version)
        {
            throw new FastTextFormatException(path, $"The checkpoint '{path}' has version {version}; this library reads version {Version}.");
        }

        var model = r.ReadInt32();
        var loss = r.ReadInt32();
        var options = new FastTextOptions
        {
            Model = model switch
            {
                0 => FastTextModelKind.SkipGram,
                1 => FastTextModelKind.Cbow,
                _ => throw new FastTextFormatException(path, $"The checkpoint '{path}' holds invalid options: model code {model} is not 0 (skip-gram) or 1 (CBOW)."),
            },
            Loss = loss switch
            {
                0 => FastTextLoss.NegativeSampling,
                1 => FastTextLoss.HierarchicalSoftmax,
                2 => FastTextLoss.Softmax,
                _ => throw new FastTextFormatException(path, $"The checkpoint '{path}' holds invalid options: loss code {loss} is not 0 (ns), 1 (hs) or 2 (softmax)."),
            },
            Dim = r.ReadInt32(),
            Epoch = r.ReadInt32(),
            Lr = r.ReadDouble(),
            Ws = r.ReadInt32(),
            Neg = r.ReadInt32(),
            MinCount = r.ReadInt32(),
            Minn = r.ReadInt32(),
            Maxn = r.ReadInt32(),
            Bucket = r.ReadInt32(),
            T = r.ReadDouble(),
            LrUpdateRate = r.ReadInt32(),
            Thread = r.ReadInt32(),
            Seed = r.ReadInt32(),
            WordNgrams = r.ReadInt32(),
            MaxVocabSize = r.ReadInt32(),
        };
        try
        {
            options.ValidateUnsupervised();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FastTextFormatException(path, $"The checkpoint '{path}' holds invalid options: {e.Message}", e);
        }

        return options;
    }

    private static TrainingCheckpoint Read(string path, FileStream stream, BinaryReader r)
    {
        var options = ReadHeader(path, r);
        var corpusLength = r.ReadInt64();
        var epochsDone = r.ReadInt32();
        var tokenCount = r.ReadInt64();
        var ticks = r.ReadInt64();
        var dictTokens = r.ReadInt64();
        var count = r.ReadInt32();
        Require(corpusLength >= 0 && epochsDone >= 1 && epochsDone <= options.Epoch && tokenCount >= 0 && ticks >= 0 && dictTokens > 0,
            path, stream, "the run counters are out of range");
        Require(count > 0 && count <= (stream.Length - stream.Position) / 13, path, stream, $"{count} dictionary entries do not fit in the file");
        var entries = new List<(byte[], long, FastTextEntryType)>(count);
        for (var i = 0; i < count; i++)
        {
            var length = r.ReadInt32();
            Require(length > 0 && length <= stream.Length - stream.Position, path, stream, $"entry {i} has byte length {length}");
            var word = r.ReadBytes(length);
            var c = r.ReadInt64();
            var type = r.ReadByte();
            Require(c >= 0 && type <= 1, path, stream, $"entry {i} has count {c} and type {type}");
            entries.Add((word, c, (FastTextEntryType)type));
        }

        FastTextDictionary dictionary;
        try
        {
            dictionary = FastTextDictionary.FromEntries(entries, dictTokens, options.Minn, options.Maxn, options.Bucket, options.T);
        }
        catch (InvalidDataException e)
        {
            throw new FastTextFormatException(path, $"The checkpoint '{path}' holds a bad dictionary: {e.Message}", e);
        }

        var workers = new WorkerCheckpoint[options.Thread];
        for (var i = 0; i < workers.Length; i++)
        {
            var offset = r.ReadInt64();
            var atEnd = r.ReadBoolean();
            var random = (r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32());
            var local = r.ReadInt64();
            var lossSum = r.ReadDouble();
            var lossCount = r.ReadInt64();
            Require(offset >= 0 && offset <= corpusLength && local >= 0, path, stream, $"worker {i} has reader offset {offset} (corpus length {corpusLength})");
            var sums = new double[options.Epoch];
            var counts = new long[options.Epoch];
            for (var e = 0; e < options.Epoch; e++)
            {
                sums[e] = r.ReadDouble();
                counts[e] = r.ReadInt64();
            }

            workers[i] = new WorkerCheckpoint(offset, atEnd, random, local, lossSum, lossCount, sums, counts);
        }

        var inputRows = (long)dictionary.WordCount + options.Bucket;
        var matrices = ((inputRows + dictionary.WordCount) * options.Dim * sizeof(float)) + EndMagic.Length;
        Require(stream.Length - stream.Position == matrices, path, stream,
            $"the matrices need {matrices} more bytes but {stream.Length - stream.Position} remain");
        var (input, _) = NativeMatrix.Create(inputRows, options.Dim);
        ReadMatrix(stream, input);
        var (output, _) = NativeMatrix.Create(dictionary.WordCount, options.Dim);
        ReadMatrix(stream, output);
        Require(r.ReadBytes(EndMagic.Length).AsSpan().SequenceEqual(EndMagic), path, stream, "the end marker is missing");
        return new TrainingCheckpoint
        {
            Options = options,
            CorpusLength = corpusLength,
            EpochsDone = epochsDone,
            TokenCount = tokenCount,
            TrainingTime = TimeSpan.FromTicks(ticks),
            Dictionary = dictionary,
            Workers = workers,
            Input = input,
            Output = output,
        };
    }

    /// <summary>The checkpoint's code of a (validated) model kind.</summary>
    private static int ModelCode(FastTextModelKind model) => model == FastTextModelKind.Cbow ? 1 : 0;

    /// <summary>The checkpoint's code of a (validated) loss.</summary>
    private static int LossCode(FastTextLoss loss) => loss switch
    {
        FastTextLoss.HierarchicalSoftmax => 1,
        FastTextLoss.Softmax => 2,
        _ => 0,
    };

    private static void Require(bool ok, string path, Stream stream, string what)
    {
        if (!ok)
        {
            throw new FastTextFormatException(path, -1, stream.Position, $"The checkpoint '{path}' is inconsistent at byte {stream.Position}: {what}.");
        }
    }

    private static unsafe void WriteMatrix(Stream stream, NativeMatrix m)
    {
        var total = m.Rows * m.Dim;
        var buffer = new byte[1 << 20];
        for (long at = 0; at < total; at += buffer.Length / sizeof(float))
        {
            var n = (int)Math.Min(buffer.Length / sizeof(float), total - at);
            var source = new ReadOnlySpan<float>(m.Pointer + at, n);
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(source).CopyTo(buffer);
            }
            else
            {
                for (var i = 0; i < n; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), source[i]);
                }
            }

            stream.Write(buffer, 0, n * sizeof(float));
        }
    }

    private static unsafe void ReadMatrix(Stream stream, NativeMatrix m)
    {
        var total = m.Rows * m.Dim;
        var buffer = new byte[1 << 20];
        for (long at = 0; at < total; at += buffer.Length / sizeof(float))
        {
            var n = (int)Math.Min(buffer.Length / sizeof(float), total - at);
            stream.ReadExactly(buffer, 0, n * sizeof(float));
            var destination = new Span<float>(m.Pointer + at, n);
            for (var i = 0; i < n; i++)
            {
                destination[i] = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(i * sizeof(float)));
            }
        }
    }
}
