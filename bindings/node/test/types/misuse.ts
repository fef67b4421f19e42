// Must NOT compile: the declarations reject these.
import * as tracekit from '../..';

tracekit.init({ apiKey: 42 });
tracekit.getClient().captureSnapshot(7, {});
tracekit.init({ captureConfig: { captureDepth: 'deep' } });
