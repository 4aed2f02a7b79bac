using System.Collections.Frozen;

namespace EmbedSharp.Tokenization.Tiktoken;

/// <summary>
/// Which special token strings in the text become special token ids, tiktoken's <c>allowed_special</c> /
/// <c>disallowed_special</c>: an allowed special token found in the text is its id (and a boundary the split pattern
/// does not cross); any other special token string is ordinary text, or, when <see cref="DisallowOthers"/> is set,
/// an error (tiktoken's <c>encode</c> raises by default, so that user text cannot inject <c>&lt;|endoftext|&gt;</c>).
/// </summary>
public sealed class SpecialTokenPolicy
{
    private SpecialTokenPolicy(IReadOnlySet<string>? allowed, bool disallowOthers)
    {
        Allowed = allowed;
        DisallowOthers = disallowOthers;
    }

    /// <summary>Every special token of the encoding is recognised: tiktoken's <c>allowed_special="all"</c>, and what
    /// Microsoft.ML.Tokenizers' <c>TiktokenTokenizer</c> always does. The default of
    /// <see cref="TiktokenTokenizer.Encode(string)"/>.</summary>
    public static SpecialTokenPolicy All { get; } = new(null, false);

    /// <summary>No special token is recognised; their strings are ordinary text: tiktoken's
    /// <c>encode_ordinary</c> (<c>disallowed_special=()</c>).</summary>
    public static SpecialTokenPolicy None { get; } = new(FrozenSet<string>.Empty, false);

    /// <summary>None is recognised and text holding one is refused: tiktoken's <c>encode(text)</c> with its defaults
    /// (<c>allowed_special=set(), disallowed_special="all"</c>).</summary>
    public static SpecialTokenPolicy Strict { get; } = new(FrozenSet<string>.Empty, true);

    /// <summary>The allowed special token strings, or null for all of the encoding's.</summary>
    public IReadOnlySet<string>? Allowed { get; }

    /// <summary>Whether a special token string that is not allowed is an error (<see cref="ArgumentException"/> from
    /// Encode) rather than ordinary text.</summary>
    public bool DisallowOthers { get; }

    /// <summary>Only the given special tokens are recognised (tiktoken's <c>allowed_special={...}</c>); the others
    /// are refused when <paramref name="disallowOthers"/> (tiktoken's default <c>disallowed_special="all"</c>), or
    /// ordinary text.</summary>
    public static SpecialTokenPolicy Allow(IEnumerable<string> allowed, bool disallowOthers = true)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        return new(allowed.ToFrozenSet(StringComparer.Ordinal), disallowOthers);
    }

    /// <summary>Whether <paramref name="token"/> is allowed.</summary>
    public bool IsAllowed(string token) => Allowed is null || Allowed.Contains(token);
}
