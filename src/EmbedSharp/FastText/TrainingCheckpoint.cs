using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.FastText;

/// <summary>
/// The state of a <see cref="WordVectorTrainer"/> run at the end of an epoch, as written to a checkpoint file.
/// <para>File layout (little-endian): magic <c>ESWVCKPT</c>, int32 version 2; the options (model, loss, dim, epoch,
/// lr f64, ws, neg, minCount, minn, maxn, bucket, t f64, lrUpdateRate, thread, seed, wordNgrams, maxVocabSize);
/// int64 corpus length; int32 epochs done; int64 shared token count; int64 training ticks; the dictionary (int64
/// tokens, int32 entries, each: int32 byte length, the UTF-8 bytes as read, int64 count, byte type); per worker: int64
/// reader offset, byte at-end flag, 4 × uint32 random state, int64 unflushed tokens, f64 loss sum, int64 loss count,
/// Epoch × (f64, int64) epoch losses; the input matrix ((WordCount + Bucket) × Dim float32) and the output matrix
/// (rows × Dim float32, rows = WordCount for ns/softmax, WordCount − 1 used by hs but WordCount stored); magic <c>END.</c>.</para>
/// <para>Every byte is checked: the file is six sections (header and options; run counters; dictionary; worker states;
/// input matrix; output matrix), each followed by the uint64 XXH3 (64-bit) hash of its bytes, computed while writing and
/// while reading (no extra pass). A flipped bit anywhere is refused naming the file and the section. Version 1 files
/// (written before the checksums) are refused: their bytes cannot be vouched for.</para>
/// <para>Model and loss are stored as this file's own codes, not fastText's numbers: model 0 skip-gram, 1 CBOW; loss 0
/// negative sampling, 1 hierarchical softmax, 2 softmax.</para>
/// </summary>
internal sealed class TrainingCheckpoint
{
    private static ReadOnlySpan<byte> Magic => "ESWVCKPT"u8;

    private static ReadOnlySpan<byte> EndMagic => "END."u8;

    private const int Version = 2;

    /// <summary>The section names used in messages, in file order.</summary>
    private static readonly string[] Sections = ["header and options", "run counters", "dictionary", "worker states", "input matrix", "output matrix"];

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
    public void Save(string path) => AtomicFile.Write(path, file =>
    {
        using var stream = new ChecksumStream(file);
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

        stream.EndSection();
        w.Write(CorpusLength);
        w.Write(EpochsDone);
        w.Write(TokenCount);
        w.Write(TrainingTime.Ticks);
        stream.EndSection();
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

        stream.EndSection();
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

        stream.EndSection();
        WriteMatrix(stream, Input);
        stream.EndSection();
        WriteMatrix(stream, Output);
        stream.EndSection();
        file.Write(EndMagic);
    });

    /// <summary>Reads only the options of a checkpoint.</summary>
    public static FastTextOptions ReadOptions(string path) => Open(path, (stream, r) => ReadHeader(path, stream, r));

    /// <summary>Reads a checkpoint, checking every count against the file length before allocating.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FastTextFormatException">Not a checkpoint, another version, or a truncated or inconsistent file
    /// (the message names the file and the offset).</exception>
    public static TrainingCheckpoint Load(string path) => Open(path, (stream, r) => Read(path, stream, r));

    private static T Open<T>(string path, Func<ChecksumStream, BinaryReader, T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The checkpoint '{path}' does not exist.", path);
        }

        using var file = InputFile.Open(path, seekableFor: "a checkpoint's counts are checked against its length before anything is allocated");
        using var stream = new ChecksumStream(file);
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

    private static FastTextOptions ReadHeader(string path, ChecksumStream stream, BinaryReader r)
    {
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new FastTextFormatException(path, $"'{path}' is not a word-vector training checkpoint (no ESWVCKPT magic).");
        }

        var version = r.ReadInt32();
        if (version == 1)
        {
            throw new FastTextFormatException(path, -1, Magic.Length,
                $"The checkpoint '{path}' has format version 1, written before checkpoints carried checksums, so its bytes cannot be vouched for; this library reads version {Version} only: start the training again (or resume it with the EmbedSharp release that wrote it).");
        }

        if (version != Version)
        {
            throw new FastTextFormatException(path, -1, Magic.Length, $"The checkpoint '{path}' has version {version}; this library reads version {Version}.");
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
        VerifySection(path, stream, r, 0);
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

    private static TrainingCheckpoint Read(string path, ChecksumStream stream, BinaryReader r)
    {
        var options = ReadHeader(path, stream, r);
        var corpusLength = r.ReadInt64();
        var epochsDone = r.ReadInt32();
        var tokenCount = r.ReadInt64();
        var ticks = r.ReadInt64();
        VerifySection(path, stream, r, 1);
        var dictTokens = r.ReadInt64();
        var count = r.ReadInt32();
        Require(corpusLength >= 0 && epochsDone >= 1 && epochsDone <= options.Epoch && tokenCount >= 0 && ticks >= 0 && ticks <= TimeSpan.MaxValue.Ticks && dictTokens > 0,
            path, stream, "the run counters are out of range");
        Require(count > 0 && count <= (stream.Length - stream.Position) / 13, path, stream, $"{count} dictionary entries do not fit in the file");
        var entries = new List<(byte[], long, FastTextEntryType)>(count);
        for (var i = 0; i < count; i++)
        {
            var length = r.ReadInt32();
            Require(length > 0 && length <= FastTextLimits.MaxWordBytes && length <= stream.Length - stream.Position, path, stream, $"entry {i} has byte length {length}");
            var word = r.ReadBytes(length);
            var c = r.ReadInt64();
            var type = r.ReadByte();
            Require(c >= 0 && type <= 1, path, stream, $"entry {i} has count {c} and type {type}");
            entries.Add((word, c, (FastTextEntryType)type));
        }

        VerifySection(path, stream, r, 2);
        FastTextDictionary dictionary;
        try
        {
            dictionary = FastTextDictionary.FromEntries(entries, dictTokens, options.Minn, options.Maxn, options.Bucket, options.T);
        }
        catch (InvalidDataException e)
        {
            throw new FastTextFormatException(path, $"The checkpoint '{path}' holds a bad dictionary: {e.Message}", e);
        }

        var workerBytes = 8 + 1 + 16 + 8 + 8 + 8 + (16L * options.Epoch);
        Require(workerBytes * options.Thread <= stream.Length - stream.Position, path, stream, $"{options.Thread} worker states of {workerBytes} bytes do not fit in the file");
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

        VerifySection(path, stream, r, 3);
        var inputRows = (long)dictionary.WordCount + options.Bucket;
        var matrices = ((inputRows + dictionary.WordCount) * options.Dim * sizeof(float)) + (2 * sizeof(ulong)) + EndMagic.Length;
        Require(stream.Length - stream.Position == matrices, path, stream,
            $"the matrices need {matrices} more bytes but {stream.Length - stream.Position} remain");
        var (input, _) = NativeMatrix.Create(inputRows, options.Dim);
        ReadMatrix(stream, input);
        VerifySection(path, stream, r, 4);
        var (output, _) = NativeMatrix.Create(dictionary.WordCount, options.Dim);
        ReadMatrix(stream, output);
        VerifySection(path, stream, r, 5);
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

    /// <summary>Compares the hash of the section just read with the one stored after it; a mismatch names the section.</summary>
    private static void VerifySection(string path, ChecksumStream stream, BinaryReader r, int section)
    {
        var actual = stream.SectionHash();
        var at = stream.Position;
        var stored = r.ReadUInt64();
        stream.StartSection();
        if (stored != actual)
        {
            throw new FastTextFormatException(path, -1, at,
                $"The checkpoint '{path}' is damaged: the checksum of its {Sections[section]} (section {section + 1} of {Sections.Length}, ending at byte {at}) does not match, so some of its bytes changed after it was written; resume from an intact checkpoint or start again.");
        }
    }

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
        var buffer = BitConverter.IsLittleEndian ? [] : new byte[1 << 20];
        const int Block = 1 << 18; // floats per write
        for (long at = 0; at < total; at += Block)
        {
            var n = (int)Math.Min(Block, total - at);
            var source = new ReadOnlySpan<float>(m.Pointer + at, n);
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(source));
                continue;
            }

            for (var i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), source[i]);
            }

            stream.Write(buffer, 0, n * sizeof(float));
        }
    }

    private static unsafe void ReadMatrix(Stream stream, NativeMatrix m)
    {
        var total = m.Rows * m.Dim;
        const int Block = 1 << 18; // floats per read
        for (long at = 0; at < total; at += Block)
        {
            var n = (int)Math.Min(Block, total - at);
            var destination = new Span<float>(m.Pointer + at, n);
            stream.ReadExactly(MemoryMarshal.AsBytes(destination));
            if (!BitConverter.IsLittleEndian)
            {
                var bits = MemoryMarshal.Cast<float, int>(destination);
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }
        }
    }

    /// <summary>A pass-through stream that hashes (XXH3, 64-bit) every byte read or written since the section began.
    /// Writing, <see cref="EndSection"/> appends the section's hash; reading, <see cref="SectionHash"/> gives it before
    /// the stored one is read and <see cref="StartSection"/> starts the next.</summary>
    private sealed class ChecksumStream(Stream inner) : Stream
    {
        private readonly XxHash3 _hash = new();

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public ulong SectionHash() => _hash.GetCurrentHashAsUInt64();

        public void StartSection() => _hash.Reset();

        public void EndSection()
        {
            Span<byte> digest = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(digest, _hash.GetCurrentHashAsUInt64());
            inner.Write(digest);
            _hash.Reset();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _hash.Append(buffer[..n]);
            return n;
        }

        public override int ReadByte()
        {
            Span<byte> one = stackalloc byte[1];
            return Read(one) == 1 ? one[0] : -1;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.Append(buffer);
            inner.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
