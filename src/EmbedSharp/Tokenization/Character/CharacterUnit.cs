namespace EmbedSharp.Tokenization.Character;

/// <summary>What one character token is.</summary>
public enum CharacterUnit
{
    /// <summary>A Unicode code point (an unpaired surrogate counts as one).</summary>
    CodePoint,

    /// <summary>An extended grapheme cluster (<see cref="System.Globalization.StringInfo"/>): "e" + U+0301 is one token.</summary>
    Grapheme,
}
