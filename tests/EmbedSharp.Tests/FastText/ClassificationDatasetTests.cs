using EmbedSharp.FastText;

namespace EmbedSharp.Tests.FastText;

public sealed class ClassificationDatasetTests
{
    [Fact]
    public void FastText_lines_give_labels_anywhere_and_words_as_they_are()
    {
        var path = Temp("__label__b Hello  world\n\n__label__a __label__b\tfoo __label__a2 bar\r\n__label__b x\n");
        try
        {
            var d = ClassificationDataset.FromFastTextFile(path, FastTextOptions.Supervised());
            Assert.Equal(3, d.Count);
            Assert.Equal(["b", "a", "a2"], d.LabelNames); // by count, ties ordinal
            Assert.Equal([0], d.Labels(0).ToArray());
            Assert.Equal([1, 0, 2], d.Labels(1).ToArray());
            var words = d.Featurizer.Words;
            Assert.Equal([words.IndexOf("Hello"), words.IndexOf("world"), words.IndexOf("</s>")], d.Features(0).ToArray());
            Assert.Equal(3, d.TokenCount(0));
            Assert.Equal(8, d.TotalTokens);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_line_without_a_label_is_an_error_naming_file_and_line()
    {
        var path = Temp("__label__a ok\nno label here\n");
        try
        {
            var e = Assert.Throws<FastTextFormatException>(() => ClassificationDataset.FromFastTextFile(path, FastTextOptions.Supervised()));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
            Assert.Contains("no label", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_empty_file_and_an_unknown_test_label_are_errors()
    {
        var empty = Temp("");
        var blank = Temp("\n  \n");
        var train = Temp("__label__a x\n__label__b y\n");
        var test = Temp("__label__a x\n__label__c y\n");
        try
        {
            Assert.Contains("no example", Assert.Throws<FastTextFormatException>(() => ClassificationDataset.FromFastTextFile(empty, FastTextOptions.Supervised())).Message, StringComparison.Ordinal);
            Assert.Contains("no example", Assert.Throws<FastTextFormatException>(() => ClassificationDataset.FromFastTextFile(blank, FastTextOptions.Supervised())).Message, StringComparison.Ordinal);
            var d = ClassificationDataset.FromFastTextFile(train, FastTextOptions.Supervised());
            var e = Assert.Throws<FastTextFormatException>(() => ClassificationDataset.FromFastTextFile(test, d.Featurizer, d.LabelNames));
            Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
            Assert.Contains("__label__c", e.Message, StringComparison.Ordinal);
            Assert.Throws<FileNotFoundException>(() => ClassificationDataset.FromFastTextFile(empty + ".missing", FastTextOptions.Supervised()));
        }
        finally
        {
            File.Delete(empty);
            File.Delete(blank);
            File.Delete(train);
            File.Delete(test);
        }
    }

    [Fact]
    public void Raw_texts_are_tokenised_and_the_test_set_uses_the_training_vocabulary()
    {
        var opts = FastTextOptions.Supervised() with { MinCount = 1 };
        var train = ClassificationDataset.Build([new("Hello, World!", 0), new("hello there", 1)], ["x", "y"], opts);
        var test = ClassificationDataset.Build([new("HELLO unseen", 1)], ["x", "y"], train.Featurizer);
        Assert.Equal(["</s>", "hello", "there", "world"], train.Featurizer.Words.Tokens); // counts 2, 2, 1, 1; ties ordinal
        Assert.Equal([1L, 0L], test.Features(0).ToArray());
        Assert.Throws<ArgumentException>(() => ClassificationDataset.Build([new("a", 2)], ["x", "y"], opts));
        Assert.Throws<ArgumentException>(() => ClassificationDataset.Build([], ["x"], opts));
    }

    private static string Temp(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-ds-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, content);
        return path;
    }
}
