using System.Collections.Frozen;

namespace EmbedSharp.Tokenization.Tiktoken;

/// <summary>
/// What a <c>.tiktoken</c> file does not hold: an encoding's name, its split pattern (tiktoken's <c>pat_str</c>, in the
/// reference's regex syntax) and its special tokens with their ids. The built-in encodings are those of the npm package
/// <c>tiktoken</c> 1.0.22 (<c>encoders/*.json</c>, the Rust core of OpenAI's tiktoken): <see cref="R50kBase"/>
/// (= <c>gpt2</c>), <see cref="P50kBase"/>, <see cref="P50kEdit"/>, <see cref="Cl100kBase"/> and
/// <see cref="O200kBase"/>. A custom encoding takes any pattern in that syntax: possessive quantifiers (<c>?+ *+ ++
/// {m,n}+</c>) become .NET atomic groups and <c>$</c> means the end of the text, as in the reference
/// (<see cref="TiktokenTokenizer"/> says how the pattern is run).
/// </summary>
public sealed class TiktokenEncoding
{
    /// <summary>GPT-2's split pattern, shared by r50k_base, p50k_base and p50k_edit.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>cl100k_base's split pattern as npm <c>tiktoken</c> 1.0.22 ships it.</summary>
    internal const string Cl100kPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>o200k_base's split pattern as npm <c>tiktoken</c> 1.0.22 ships it.</summary>
    internal const string O200kPattern = @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The end-of-text token of every built-in encoding.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Fill-in-the-middle: the prefix marker (p50k_edit, cl100k_base).</summary>
    public const string FimPrefix = "<|fim_prefix|>";

    /// <summary>Fill-in-the-middle: the middle marker (p50k_edit, cl100k_base).</summary>
    public const string FimMiddle = "<|fim_middle|>";

    /// <summary>Fill-in-the-middle: the suffix marker (p50k_edit, cl100k_base).</summary>
    public const string FimSuffix = "<|fim_suffix|>";

    /// <summary>The end-of-prompt token (cl100k_base, o200k_base).</summary>
    public const string EndOfPrompt = "<|endofprompt|>";

    /// <summary>Creates an encoding definition.</summary>
    /// <param name="name">A name for messages (e.g. <c>cl100k_base</c>).</param>
    /// <param name="pattern">The split pattern in tiktoken's (Rust <c>fancy-regex</c>, Python <c>regex</c>) syntax.</param>
    /// <param name="specialTokens">Special token strings and their ids; they must not be ids of the file's tokens.</param>
    /// <param name="mergeableTokenCount">The number of tokens the <c>.tiktoken</c> file must hold, or null for any
    /// (a built-in encoding checks it so that a wrong <c>--encoding</c> is caught).</param>
    /// <exception cref="ArgumentException">The pattern is empty or not a valid regex, a special token is empty, or an
    /// id is negative.</exception>
    public TiktokenEncoding(string name, string pattern, IReadOnlyDictionary<string, int> specialTokens, int? mergeableTokenCount = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(specialTokens);
        foreach (var (token, id) in specialTokens)
        {
            if (string.IsNullOrEmpty(token))
            {
                throw new ArgumentException("A special token is empty.", nameof(specialTokens));
            }

            if (id < 0)
            {
                throw new ArgumentException(FormattableString.Invariant($"The special token '{token}' has the negative id {id}."), nameof(specialTokens));
            }
        }

        if (mergeableTokenCount is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mergeableTokenCount), mergeableTokenCount, "The token count must not be negative.");
        }

        Name = name;
        Pattern = pattern;
        SpecialTokens = specialTokens.ToFrozenDictionary(StringComparer.Ordinal);
        MergeableTokenCount = mergeableTokenCount;
        Regex = TiktokenPattern.Create(pattern);
    }

    private TiktokenEncoding(string name, string pattern, System.Text.RegularExpressions.Regex regex, int mergeableTokenCount, params (string Token, int Id)[] specials)
    {
        Name = name;
        Pattern = pattern;
        Regex = regex;
        MergeableTokenCount = mergeableTokenCount;
        SpecialTokens = specials.ToFrozenDictionary(s => s.Token, s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>r50k_base (GPT-2, GPT-3 davinci): 50,256 tokens, GPT-2's pattern, <c>&lt;|endoftext|&gt;</c> = 50256.</summary>
    public static TiktokenEncoding R50kBase { get; } = new("r50k_base", Gpt2Pattern, TiktokenPattern.Gpt2(), 50_256, (EndOfText, 50_256));

    /// <summary>p50k_base (Codex, text-davinci-002/003): 50,280 tokens (r50k_base plus runs of spaces), GPT-2's
    /// pattern, <c>&lt;|endoftext|&gt;</c> = 50256.</summary>
    public static TiktokenEncoding P50kBase { get; } = new("p50k_base", Gpt2Pattern, TiktokenPattern.Gpt2(), 50_280, (EndOfText, 50_256));

    /// <summary>p50k_edit: p50k_base's tokens with the fill-in-the-middle tokens 50281–50283.</summary>
    public static TiktokenEncoding P50kEdit { get; } = new("p50k_edit", Gpt2Pattern, TiktokenPattern.Gpt2(), 50_280,
        (EndOfText, 50_256), (FimPrefix, 50_281), (FimMiddle, 50_282), (FimSuffix, 50_283));

    /// <summary>cl100k_base (GPT-3.5, GPT-4, text-embedding-3): 100,256 tokens; end of text 100257, FIM 100258–100260,
    /// end of prompt 100276.</summary>
    public static TiktokenEncoding Cl100kBase { get; } = new("cl100k_base", Cl100kPattern, TiktokenPattern.Cl100k(), 100_256,
        (EndOfText, 100_257), (FimPrefix, 100_258), (FimMiddle, 100_259), (FimSuffix, 100_260), (EndOfPrompt, 100_276));

    /// <summary>o200k_base (GPT-4o): 199,998 tokens; end of text 199999, end of prompt 200018.</summary>
    public static TiktokenEncoding O200kBase { get; } = new("o200k_base", O200kPattern, TiktokenPattern.O200k(), 199_998,
        (EndOfText, 199_999), (EndOfPrompt, 200_018));

    /// <summary>The built-in encodings by name.</summary>
    public static IReadOnlyList<TiktokenEncoding> BuiltIn { get; } = [R50kBase, P50kBase, P50kEdit, Cl100kBase, O200kBase];

    /// <summary>The encoding's name.</summary>
    public string Name { get; }

    /// <summary>The split pattern as the reference writes it (tiktoken's <c>pat_str</c>).</summary>
    public string Pattern { get; }

    /// <summary>Special token strings and their ids.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The number of tokens the <c>.tiktoken</c> file must hold, or null when any number is accepted.</summary>
    public int? MergeableTokenCount { get; }

    /// <summary>The pattern as a .NET regex (translated; see <see cref="TiktokenEncoding"/>).</summary>
    internal System.Text.RegularExpressions.Regex Regex { get; }

    /// <summary>The built-in encoding called <paramref name="name"/> (<c>r50k_base</c>, <c>gpt2</c>, <c>p50k_base</c>,
    /// <c>p50k_edit</c>, <c>cl100k_base</c>, <c>o200k_base</c>; case-insensitive), or null.</summary>
    public static TiktokenEncoding? FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Equals("gpt2", StringComparison.OrdinalIgnoreCase))
        {
            return R50kBase;
        }

        foreach (var encoding in BuiltIn)
        {
            if (encoding.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return encoding;
            }
        }

        return null;
    }

    /// <summary>The built-in encoding a file name points at (<c>cl100k_base.tiktoken</c> → cl100k_base; <c>gpt2</c> →
    /// r50k_base), or null.</summary>
    public static TiktokenEncoding? FromFileName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stem = Path.GetFileName(path);
        var dot = stem.IndexOf('.', StringComparison.Ordinal);
        return FromName(dot > 0 ? stem[..dot] : stem);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
