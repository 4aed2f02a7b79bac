using System.Text;
using Google.Protobuf;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>The kind of a vocabulary entry (<c>ModelProto.SentencePiece.Type</c>).</summary>
public enum SentencePieceType
{
    /// <summary>An ordinary piece the segmenter may produce.</summary>
    Normal = 1,

    /// <summary>The unknown piece (<c>&lt;unk&gt;</c>); exactly one per model.</summary>
    Unknown = 2,

    /// <summary>A control symbol (<c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>…): never produced from text, decoded to nothing.</summary>
    Control = 3,

    /// <summary>A user-defined symbol: always kept as one piece when it occurs in the text, never normalised.</summary>
    UserDefined = 4,

    /// <summary>An unused piece: in the vocabulary but never produced (BPE re-splits it into its parts).</summary>
    Unused = 5,

    /// <summary>A byte piece <c>&lt;0xXX&gt;</c> used by byte fallback.</summary>
    Byte = 6,
}

/// <summary>The segmentation algorithm of a model (<c>TrainerSpec.ModelType</c>).</summary>
public enum SentencePieceAlgorithm
{
    /// <summary>Unigram language model: Viterbi over the lattice of pieces.</summary>
    Unigram = 1,

    /// <summary>Byte-pair encoding: greedy merges of adjacent symbols by piece score.</summary>
    Bpe = 2,

    /// <summary>Whitespace-delimited words (not supported by this library).</summary>
    Word = 3,

    /// <summary>Characters (not supported by this library).</summary>
    Char = 4,
}

/// <summary>One vocabulary entry: its string, its score (log probability for unigram, merge priority for BPE) and kind.</summary>
/// <param name="Piece">The piece text, with <c>▁</c> (U+2581) standing for a space.</param>
/// <param name="Score">The score stored in the model.</param>
/// <param name="Type">The kind of entry.</param>
public readonly record struct SentencePieceEntry(string Piece, float Score, SentencePieceType Type);

/// <summary>The training options stored in a model that change how it encodes (a subset of <c>TrainerSpec</c>).</summary>
public sealed record SentencePieceTrainerSpec
{
    /// <summary>The algorithm (field 3, default unigram).</summary>
    public SentencePieceAlgorithm Algorithm { get; init; } = SentencePieceAlgorithm.Unigram;

    /// <summary>The requested vocabulary size (field 4, default 8000).</summary>
    public int VocabSize { get; init; } = 8000;

    /// <summary>Whether <c>▁</c> ends a word instead of starting it (field 24).</summary>
    public bool TreatWhitespaceAsSuffix { get; init; }

    /// <summary>Whether digits were split into separate pieces at training (field 25; encoding needs nothing extra).</summary>
    public bool SplitDigits { get; init; }

    /// <summary>Whether unknown characters become their UTF-8 byte pieces <c>&lt;0xXX&gt;</c> (field 35).</summary>
    public bool ByteFallback { get; init; }

    /// <summary>The id of <c>&lt;unk&gt;</c> at training (field 40, default 0).</summary>
    public int UnkId { get; init; }

    /// <summary>The id of <c>&lt;s&gt;</c> at training, −1 when disabled (field 41, default 1).</summary>
    public int BosId { get; init; } = 1;

    /// <summary>The id of <c>&lt;/s&gt;</c> at training, −1 when disabled (field 42, default 2).</summary>
    public int EosId { get; init; } = 2;

    /// <summary>The id of <c>&lt;pad&gt;</c> at training, −1 when disabled (field 43, default −1).</summary>
    public int PadId { get; init; } = -1;

    /// <summary>What <c>&lt;unk&gt;</c> decodes to (field 44, default <c>" ⁇ "</c>).</summary>
    public string UnkSurface { get; init; } = " \u2047 ";
}

/// <summary>The normaliser of a model (<c>NormalizerSpec</c>).</summary>
public sealed record SentencePieceNormalizerSpec
{
    /// <summary>The rule name (field 1): <c>nmt_nfkc</c>, <c>identity</c>, <c>nfkc_cf</c>….</summary>
    public string Name { get; init; } = "";

    /// <summary>The compiled character map (field 2): a Darts-clone double array over UTF-8 keys and a blob of
    /// NUL-terminated replacements; empty for the identity normaliser.</summary>
    public ReadOnlyMemory<byte> PrecompiledCharsMap { get; init; }

    /// <summary>Whether a space is put before the text (field 3, default true).</summary>
    public bool AddDummyPrefix { get; init; } = true;

    /// <summary>Whether leading, trailing and repeated spaces are dropped (field 4, default true).</summary>
    public bool RemoveExtraWhitespaces { get; init; } = true;

    /// <summary>Whether spaces become <c>▁</c> (field 5, default true).</summary>
    public bool EscapeWhitespaces { get; init; } = true;
}

/// <summary>
/// The parsed content of a SentencePiece <c>.model</c> file: a protobuf <c>ModelProto</c> with field 1 the repeated
/// pieces (piece = 1, score = 2, type = 3), field 2 the <c>TrainerSpec</c>, field 3 the <c>NormalizerSpec</c> and
/// field 5 the optional denormaliser. Unknown fields are skipped.
/// </summary>
public sealed partial class SentencePieceModel
{
    /// <summary>Builds a model in memory (for example from a trainer), to save with <see cref="Save"/> or open with
    /// <see cref="SentencePieceTokenizer.FromModel"/>. The vocabulary is checked when a tokenizer is built from it.</summary>
    /// <param name="pieces">The vocabulary in id order (at least one piece).</param>
    /// <param name="trainerSpec">The training options stored in the model.</param>
    /// <param name="normalizerSpec">The normaliser.</param>
    /// <param name="denormalizerSpec">The denormaliser, or null (the usual case).</param>
    /// <exception cref="ArgumentException"><paramref name="pieces"/> is empty.</exception>
    public SentencePieceModel(IEnumerable<SentencePieceEntry> pieces, SentencePieceTrainerSpec trainerSpec, SentencePieceNormalizerSpec normalizerSpec, SentencePieceNormalizerSpec? denormalizerSpec = null)
        : this(
            [.. pieces ?? throw new ArgumentNullException(nameof(pieces))],
            trainerSpec ?? throw new ArgumentNullException(nameof(trainerSpec)),
            normalizerSpec ?? throw new ArgumentNullException(nameof(normalizerSpec)),
            denormalizerSpec)
    {
        if (Pieces.Count == 0)
        {
            throw new ArgumentException("A SentencePiece model needs at least one piece.", nameof(pieces));
        }
    }

    private SentencePieceModel(SentencePieceEntry[] pieces, SentencePieceTrainerSpec trainer, SentencePieceNormalizerSpec normalizer, SentencePieceNormalizerSpec? denormalizer)
    {
        Pieces = pieces;
        TrainerSpec = trainer;
        NormalizerSpec = normalizer;
        DenormalizerSpec = denormalizer;
    }

    /// <summary>The vocabulary in id order.</summary>
    public IReadOnlyList<SentencePieceEntry> Pieces { get; }

    /// <summary>The training options (algorithm, byte fallback, special ids…).</summary>
    public SentencePieceTrainerSpec TrainerSpec { get; }

    /// <summary>The normaliser applied before segmentation.</summary>
    public SentencePieceNormalizerSpec NormalizerSpec { get; }

    /// <summary>The denormaliser applied after decoding, or null (the default models have none).</summary>
    public SentencePieceNormalizerSpec? DenormalizerSpec { get; }

    /// <summary>Parses a serialized <c>ModelProto</c>. Only the protobuf layer is checked here; the tokenizer checks
    /// the vocabulary.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="filePath">Named in error messages, or null.</param>
    /// <exception cref="SentencePieceModelException">The bytes are not a well-formed <c>ModelProto</c>.</exception>
    public static SentencePieceModel Parse(byte[] bytes, string? filePath = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var pieces = new List<SentencePieceEntry>();
        var trainer = new SentencePieceTrainerSpec();
        var normalizer = new SentencePieceNormalizerSpec();
        SentencePieceNormalizerSpec? denormalizer = null;
        Read(bytes, 0, filePath, (input, tag, offset) =>
        {
            switch (tag)
            {
                case (1 << 3) | 2:
                    pieces.Add(ReadPiece(Nested(input), offset + input.Position, filePath));
                    return true;
                case (2 << 3) | 2:
                    trainer = ReadTrainerSpec(Nested(input), offset + input.Position, filePath, trainer);
                    return true;
                case (3 << 3) | 2:
                    normalizer = ReadNormalizerSpec(Nested(input), offset + input.Position, filePath, normalizer);
                    return true;
                case (5 << 3) | 2:
                    denormalizer = ReadNormalizerSpec(Nested(input), offset + input.Position, filePath, denormalizer ?? new SentencePieceNormalizerSpec());
                    return true;
                default:
                    return false;
            }
        });
        if (pieces.Count == 0)
        {
            throw new SentencePieceModelException("The model holds no pieces", filePath, bytes.Length);
        }

        return new SentencePieceModel([.. pieces], trainer, normalizer, denormalizer);
    }

    /// <summary>The bytes of a length-delimited field; the caller passes the offset of their end minus their length.</summary>
    private static byte[] Nested(CodedInputStream input) => input.ReadBytes().ToByteArray();

    /// <summary>Reads the fields of one message; <paramref name="field"/> handles a tag or returns false to skip it.
    /// <paramref name="offset"/> is where <paramref name="bytes"/> start in the file, for error messages.</summary>
    private static void Read(byte[] bytes, long offset, string? filePath, Func<CodedInputStream, uint, long, bool> field)
    {
        var input = new CodedInputStream(bytes);
        long fieldStart = 0;   // CodedInputStream's position is not reliable after a failed read
        try
        {
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (!field(input, tag, offset))
                {
                    input.SkipLastField();
                }

                fieldStart = input.Position;
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            // Protobuf's own text is long and speaks of "protocol messages"; say what it means for the user.
            throw new SentencePieceModelException("Not a SentencePiece model, or a truncated or corrupt one: the protobuf field here is malformed or runs past the end of its message", filePath, offset + fieldStart, e);
        }
        catch (DecoderFallbackException e)
        {
            throw new SentencePieceModelException("A string field is not valid UTF-8", filePath, offset + fieldStart, e);
        }
    }

    private static SentencePieceEntry ReadPiece(byte[] bytes, long end, string? filePath)
    {
        var piece = "";
        var score = 0f;
        var type = SentencePieceType.Normal;
        var offset = end - bytes.Length;
        Read(bytes, offset, filePath, (input, tag, _) =>
        {
            switch (tag)
            {
                case (1 << 3) | 2:
                    piece = input.ReadString();
                    break;
                case (2 << 3) | 5:
                    score = input.ReadFloat();
                    break;
                case 3 << 3:
                    var t = input.ReadEnum();
                    type = t is >= 1 and <= 6 ? (SentencePieceType)t : throw new SentencePieceModelException($"Unknown piece type {t}", filePath, offset + input.Position);
                    return true;
                default:
                    return false;
            }

            return true;
        });
        return new SentencePieceEntry(piece, score, type);
    }

    private static SentencePieceTrainerSpec ReadTrainerSpec(byte[] bytes, long end, string? filePath, SentencePieceTrainerSpec spec)
    {
        var offset = end - bytes.Length;
        Read(bytes, offset, filePath, (input, tag, _) =>
        {
            switch (tag)
            {
                case 3 << 3:
                    var t = input.ReadEnum();
                    spec = spec with { Algorithm = t is >= 1 and <= 4 ? (SentencePieceAlgorithm)t : throw new SentencePieceModelException($"Unknown model type {t}", filePath, offset + input.Position) };
                    break;
                case 4 << 3:
                    spec = spec with { VocabSize = input.ReadInt32() };
                    break;
                case 24 << 3:
                    spec = spec with { TreatWhitespaceAsSuffix = input.ReadBool() };
                    break;
                case 25 << 3:
                    spec = spec with { SplitDigits = input.ReadBool() };
                    break;
                case 35 << 3:
                    spec = spec with { ByteFallback = input.ReadBool() };
                    break;
                case 40 << 3:
                    spec = spec with { UnkId = input.ReadInt32() };
                    break;
                case 41 << 3:
                    spec = spec with { BosId = input.ReadInt32() };
                    break;
                case 42 << 3:
                    spec = spec with { EosId = input.ReadInt32() };
                    break;
                case 43 << 3:
                    spec = spec with { PadId = input.ReadInt32() };
                    break;
                case (44 << 3) | 2:
                    spec = spec with { UnkSurface = input.ReadString() };
                    break;
                default:
                    return false;
            }

            return true;
        });
        return spec;
    }

    private static SentencePieceNormalizerSpec ReadNormalizerSpec(byte[] bytes, long end, string? filePath, SentencePieceNormalizerSpec spec)
    {
        var offset = end - bytes.Length;
        Read(bytes, offset, filePath, (input, tag, _) =>
        {
            switch (tag)
            {
                case (1 << 3) | 2:
                    spec = spec with { Name = input.ReadString() };
                    break;
                case (2 << 3) | 2:
                    spec = spec with { PrecompiledCharsMap = input.ReadBytes().ToByteArray() };
                    break;
                case 3 << 3:
                    spec = spec with { AddDummyPrefix = input.ReadBool() };
                    break;
                case 4 << 3:
                    spec = spec with { RemoveExtraWhitespaces = input.ReadBool() };
                    break;
                case 5 << 3:
                    spec = spec with { EscapeWhitespaces = input.ReadBool() };
                    break;
                default:
                    return false;
            }

            return true;
        });
        return spec;
    }
}
