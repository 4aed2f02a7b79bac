using EmbedSharp.Study;
using EmbedSharp.Study.Data;
using EmbedSharp.Tests.Study.Data;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.Study;

public sealed class InitStudyRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-runner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Recorder : IProgress<StudyProgress>
    {
        public List<StudyProgress> Reports { get; } = [];

        public void Report(StudyProgress value) => Reports.Add(value);
    }

    [Fact]
    public void A_bad_vectors_file_fails_before_anything_is_fetched_or_written()
    {
        var bad = Path.Combine(_dir, "bad.vec");
        File.WriteAllText(bad, "2 3\nword 0.1 0.2\n");
        var source = new FakeSource([1, 2, 3]);
        var cache = new DatasetCache(Path.Combine(_dir, "cache"), source);
        var options = InitStudyOptions.Quick(Path.Combine(_dir, "out")) with { VectorsPath = bad };
        Assert.Throws<VectorFormatException>(() => InitStudyRunner.Prepare(options, cache));
        Assert.Equal(0, source.Calls);
        Assert.False(Directory.Exists(Path.Combine(_dir, "cache")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
        Assert.Throws<ArgumentException>(() => InitStudyRunner.Prepare(options with { Epochs = 0 }, cache));
    }

    [Fact]
    public void Fetch_messages_arrive_as_preparing_reports_on_the_calling_thread()
    {
        var source = new FakeSource([1, 2, 3]); // not the pinned tarball: the fetch fails after reporting
        var cache = new DatasetCache(Path.Combine(_dir, "cache"), source);
        var progress = new Recorder();
        var thread = Environment.CurrentManagedThreadId;
        var reportThreads = new List<int>();
        Assert.ThrowsAny<DatasetException>(() => InitStudyRunner.Prepare(InitStudyOptions.Quick(Path.Combine(_dir, "out")) with { Schemes = [EmbeddingInit.Zeros] }, cache,
            new SyncRecorder(progress, reportThreads)));
        Assert.Equal(1, source.Calls);
        Assert.NotEmpty(progress.Reports);
        Assert.All(progress.Reports, p => Assert.Equal(StudyProgressKind.Preparing, p.Kind));
        Assert.Contains(progress.Reports, p => p.Message!.StartsWith("Fetching", StringComparison.Ordinal));
        Assert.All(reportThreads, t => Assert.Equal(thread, t));
    }

    private sealed class SyncRecorder(Recorder inner, List<int> threads) : IProgress<StudyProgress>
    {
        public void Report(StudyProgress value)
        {
            threads.Add(Environment.CurrentManagedThreadId);
            inner.Report(value);
        }
    }
}
