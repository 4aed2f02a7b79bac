namespace EmbedSharp.Vectors.Alignment;

/// <summary>Where a row of the aligned matrix came from.</summary>
public enum AlignmentSource
{
    /// <summary>The pretrained vector of the token itself.</summary>
    Exact,

    /// <summary>The pretrained vector of a differently cased word (<see cref="CaseFallback"/>).</summary>
    CaseFallback,

    /// <summary>The subword provider's vector.</summary>
    Subword,

    /// <summary>Filled by <see cref="AlignmentOptions.OovInit"/>.</summary>
    Initialised,

    /// <summary>The padding row: zeros.</summary>
    Padding,
}
