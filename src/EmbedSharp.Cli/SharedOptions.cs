using System.CommandLine;
using System.Globalization;
using EmbedSharp.Tokenization;

namespace EmbedSharp.Cli;

/// <summary>
/// The options several commands share, each defined once with one type and one parse rule: <c>--seed</c>,
/// <c>--thread</c>, <c>--out</c> and the tokenizer types. Values are read inside the command's
/// action so that a mistake is the usual one line on stderr and exit code 1 (<see cref="CliErrors"/>).
/// </summary>
internal static class SharedOptions
{
    /// <summary>The element types a float tensor can be written as, by their <c>--dtype</c> names (numpy/PyTorch names).</summary>
    public static readonly Choices<Numerics.Formats.Safetensors.SafetensorsDType> DTypes = new(
        ("float32|f32|fp32", Numerics.Formats.Safetensors.SafetensorsDType.Float32),
        ("float16|f16|fp16|half", Numerics.Formats.Safetensors.SafetensorsDType.Float16),
        ("bfloat16|bf16", Numerics.Formats.Safetensors.SafetensorsDType.BFloat16),
        ("float64|f64|double", Numerics.Formats.Safetensors.SafetensorsDType.Float64));

    /// <summary><c>--dtype</c>: how a written float tensor is stored.</summary>
    public static Option<string> DType(string description) => new("--dtype") { Description = description, DefaultValueFactory = _ => "float32" };

    /// <summary>The .npy element type of a <c>--dtype</c> value; bfloat16 has none (numpy has no bfloat16).</summary>
    /// <exception cref="ArgumentException">The value is bfloat16.</exception>
    public static Numerics.Formats.Npy.NpyDType NpyDTypeOf(Numerics.Formats.Safetensors.SafetensorsDType dtype) => dtype switch
    {
        Numerics.Formats.Safetensors.SafetensorsDType.Float16 => Numerics.Formats.Npy.NpyDType.Float16,
        Numerics.Formats.Safetensors.SafetensorsDType.Float64 => Numerics.Formats.Npy.NpyDType.Float64,
        Numerics.Formats.Safetensors.SafetensorsDType.Float32 => Numerics.Formats.Npy.NpyDType.Float32,
        _ => throw new ArgumentException("--dtype bfloat16 cannot be written as .npy (numpy has no bfloat16); use float16, float32 or float64, or write safetensors."),
    };

    /// <summary><c>--seed</c>, read by <see cref="GetSeed"/> (or <see cref="GetInt32Seed"/> for fastText's 32-bit seed):
    /// an integer as <c>torch.manual_seed</c> takes it.</summary>
    public static Option<string> Seed(string description, ulong defaultValue = 0) => new("--seed")
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The value of a <see cref="Seed"/> option (<see cref="ParseSeed"/>).</summary>
    public static ulong GetSeed(this ParseResult result, Option<string> seed) => ParseSeed(result.GetValue(seed)!, seed.Name);

    /// <summary>The value of a <see cref="Seed"/> option as fastText's <c>int</c> seed (<see cref="ParseInt32Seed"/>).</summary>
    public static int GetInt32Seed(this ParseResult result, Option<string> seed) => ParseInt32Seed(result.GetValue(seed)!, seed.Name);

    /// <summary>Parses a seed as <c>torch.manual_seed</c> takes it: any integer in [−2^63, 2^64), negative ones wrapping
    /// modulo 2^64 (−1 is 2^64 − 1).</summary>
    /// <exception cref="ArgumentException">Not an integer in that range.</exception>
    public static ulong ParseSeed(string text, string option = "--seed")
    {
        var trimmed = text.Trim();
        if (ulong.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
        {
            return u;
        }

        if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return unchecked((ulong)l);
        }

        throw new ArgumentException($"{option} '{text}' is not an integer in [-2^63, 2^64).");
    }

    /// <summary>The same rule for fastText's 32-bit <c>-seed</c>: the wrapped value must be a 32-bit integer
    /// (−2^31 … 2^31 − 1), which it keeps (−1 stays −1).</summary>
    /// <exception cref="ArgumentException">Not an integer, or outside the 32-bit range.</exception>
    public static int ParseInt32Seed(string text, string option = "--seed")
    {
        var wrapped = unchecked((long)ParseSeed(text, option));
        return wrapped is >= int.MinValue and <= int.MaxValue
            ? (int)wrapped
            : throw new ArgumentException($"{option} '{text}' is outside fastText's 32-bit seed range [-2^31, 2^31).");
    }

    /// <summary><c>--thread</c>: worker threads, by default the core count.</summary>
    public static Option<int> Threads(string description) => new("--thread")
    {
        Description = description,
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    /// <summary><c>--out</c> naming a file.</summary>
    public static Option<FileInfo> OutFile(string description, bool required = true) => new("--out") { Description = description, Required = required };

    /// <summary><c>--out</c> naming a directory.</summary>
    public static Option<DirectoryInfo> OutDirectory(string description, bool required = true) => new("--out") { Description = description, Required = required };

    /// <summary><c>--out</c> naming a prefix of several files (<c>PREFIX.vec</c>, <c>PREFIX.bin</c>).</summary>
    public static Option<string> OutPrefix(string description) => new("--out") { Description = description, Required = true };

    /// <summary>The tokenizer types by name (<c>--type</c>, <c>--vocab-type</c>); <c>word-piece</c> and <c>sentence_piece</c> are read too.</summary>
    public static Choices<TokenizerType> TokenizerTypes { get; } = new(
        ("wordpiece|word-piece", TokenizerType.WordPiece),
        ("bpe", TokenizerType.Bpe),
        ("sentencepiece|sentence-piece", TokenizerType.SentencePiece),
        ("word", TokenizerType.Word),
        ("char", TokenizerType.Char),
        ("tiktoken", TokenizerType.Tiktoken),
        ("huggingface|hf|tokenizer-json", TokenizerType.HuggingFace));

    /// <summary>The <c>--word-splitting</c> option of the word type: a <see cref="WordSplitting"/> in kebab case, default whitespace.</summary>
    public static Option<string> WordSplitting() => new("--word-splitting")
    {
        Description = "word: whitespace (fastText's: space \\t \\n \\v \\f \\r \\0), regex (\\w+|[^\\w\\s]+) or lower-case-alphanumeric "
            + "(lower-cased runs of letters and digits, as the classifier reads text).",
        DefaultValueFactory = _ => "whitespace",
    };
}
