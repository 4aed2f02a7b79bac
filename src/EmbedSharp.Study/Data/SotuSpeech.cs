namespace EmbedSharp.Study.Data;

/// <summary>
/// One address as listed by its file name, <c>data/&lt;year&gt;_&lt;president_snake_case&gt;_&lt;party code&gt;.json</c>,
/// without its text. Read the text with <see cref="SotuCorpus.Read(SotuEntry)"/>.
/// </summary>
/// <param name="Year">Year the address was given.</param>
/// <param name="President">President's name, from the file name with each word capitalised (the package's own rule; equals the JSON <c>name</c>).</param>
/// <param name="Party">Party, from the file name's code.</param>
/// <param name="JsonPath">Full path of the JSON record (<c>year</c>, <c>name</c>, <c>party</c>, <c>text</c>).</param>
public sealed record SotuEntry(int Year, string President, SotuParty Party, string JsonPath);

/// <summary>One State of the Union address with its text.</summary>
/// <param name="Year">Year the address was given (1790–2021 in version 0.2.3; 1953 and 1961 have two).</param>
/// <param name="President">President's name as the package spells it, e.g. "George W Bush".</param>
/// <param name="Party">The President's party.</param>
/// <param name="Text">The address as one string (the package stores each address as a single line without paragraph breaks).</param>
public sealed record SotuSpeech(int Year, string President, SotuParty Party, string Text);
