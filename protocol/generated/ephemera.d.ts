import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace ephemera. */
export namespace ephemera {

    /** Namespace v1. */
    namespace v1 {

        /**
         * Properties of a ChatMessage.
         * @deprecated Use ephemera.v1.ChatMessage.$Properties instead.
         */
        interface IChatMessage extends ephemera.v1.ChatMessage.$Properties {
        }

        /** Represents a ChatMessage. */
        class ChatMessage {

            /**
             * Constructs a new ChatMessage.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.ChatMessage.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ChatMessage text. */
            text: string;

            /** ChatMessage sentAt. */
            sentAt: number;

            /**
             * Creates a new ChatMessage instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ChatMessage instance
             */
            static create(properties: ephemera.v1.ChatMessage.$Shape): ephemera.v1.ChatMessage & ephemera.v1.ChatMessage.$Shape;
            static create(properties?: ephemera.v1.ChatMessage.$Properties): ephemera.v1.ChatMessage;

            /**
             * Encodes the specified ChatMessage message. Does not implicitly {@link ephemera.v1.ChatMessage.verify|verify} messages.
             * @param message ChatMessage message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.ChatMessage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ChatMessage message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.ChatMessage & ephemera.v1.ChatMessage.$Shape} ChatMessage
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.ChatMessage & ephemera.v1.ChatMessage.$Shape;

            /**
             * Gets the type url for ChatMessage
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ChatMessage {

            /** Properties of a ChatMessage. */
            interface $Properties {

                /** ChatMessage text */
                text?: (string|null);

                /** ChatMessage sentAt */
                sentAt?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ChatMessage. */
            type $Shape = ephemera.v1.ChatMessage.$Properties;
        }

        /**
         * Properties of a Participant.
         * @deprecated Use ephemera.v1.Participant.$Properties instead.
         */
        interface IParticipant extends ephemera.v1.Participant.$Properties {
        }

        /** Represents a Participant. */
        class Participant {

            /**
             * Constructs a new Participant.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Participant.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Participant id. */
            id: string;

            /** Participant role. */
            role: string;

            /** Participant capabilities. */
            capabilities: string[];

            /** Participant displayName. */
            displayName: string;

            /** Participant joinedAt. */
            joinedAt: number;

            /** Participant reconnecting. */
            reconnecting: boolean;

            /**
             * Creates a new Participant instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Participant instance
             */
            static create(properties: ephemera.v1.Participant.$Shape): ephemera.v1.Participant & ephemera.v1.Participant.$Shape;
            static create(properties?: ephemera.v1.Participant.$Properties): ephemera.v1.Participant;

            /**
             * Encodes the specified Participant message. Does not implicitly {@link ephemera.v1.Participant.verify|verify} messages.
             * @param message Participant message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Participant.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Participant message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Participant & ephemera.v1.Participant.$Shape} Participant
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Participant & ephemera.v1.Participant.$Shape;

            /**
             * Gets the type url for Participant
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Participant {

            /** Properties of a Participant. */
            interface $Properties {

                /** Participant id */
                id?: (string|null);

                /** Participant role */
                role?: (string|null);

                /** Participant capabilities */
                capabilities?: (string[]|null);

                /** Participant displayName */
                displayName?: (string|null);

                /** Participant joinedAt */
                joinedAt?: (number|null);

                /** Participant reconnecting */
                reconnecting?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Participant. */
            type $Shape = ephemera.v1.Participant.$Properties;
        }

        /**
         * Properties of a Welcome.
         * @deprecated Use ephemera.v1.Welcome.$Properties instead.
         */
        interface IWelcome extends ephemera.v1.Welcome.$Properties {
        }

        /** Represents a Welcome. */
        class Welcome {

            /**
             * Constructs a new Welcome.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Welcome.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Welcome protocolVersion. */
            protocolVersion: number;

            /** Welcome meetingId. */
            meetingId: string;

            /** Welcome you. */
            you?: (ephemera.v1.Participant.$Properties|null);

            /** Welcome roster. */
            roster: ephemera.v1.Participant.$Properties[];

            /** Welcome relayNode. */
            relayNode: string;

            /** Welcome limits. */
            limits?: (ephemera.v1.Limits.$Properties|null);

            /** Welcome startedAt. */
            startedAt: number;

            /** Welcome tracks. */
            tracks: ephemera.v1.Track.$Properties[];

            /** Welcome locked. */
            locked: boolean;

            /** Welcome participantCount. */
            participantCount: number;

            /** Welcome staffOnly. */
            staffOnly: boolean;

            /** Welcome rosterFollows. */
            rosterFollows: number;

            /** Welcome resumeCredential. */
            resumeCredential: string;

            /** Welcome resumed. */
            resumed: boolean;

            /** Welcome resumeGraceMs. */
            resumeGraceMs: number;

            /** Welcome resumeGap. */
            resumeGap: boolean;

            /**
             * Creates a new Welcome instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Welcome instance
             */
            static create(properties: ephemera.v1.Welcome.$Shape): ephemera.v1.Welcome & ephemera.v1.Welcome.$Shape;
            static create(properties?: ephemera.v1.Welcome.$Properties): ephemera.v1.Welcome;

            /**
             * Encodes the specified Welcome message. Does not implicitly {@link ephemera.v1.Welcome.verify|verify} messages.
             * @param message Welcome message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Welcome.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Welcome message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Welcome & ephemera.v1.Welcome.$Shape} Welcome
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Welcome & ephemera.v1.Welcome.$Shape;

            /**
             * Gets the type url for Welcome
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Welcome {

            /** Properties of a Welcome. */
            interface $Properties {

                /** Welcome protocolVersion */
                protocolVersion?: (number|null);

                /** Welcome meetingId */
                meetingId?: (string|null);

                /** Welcome you */
                you?: (ephemera.v1.Participant.$Properties|null);

                /** Welcome roster */
                roster?: (ephemera.v1.Participant.$Properties[]|null);

                /** Welcome relayNode */
                relayNode?: (string|null);

                /** Welcome limits */
                limits?: (ephemera.v1.Limits.$Properties|null);

                /** Welcome startedAt */
                startedAt?: (number|null);

                /** Welcome tracks */
                tracks?: (ephemera.v1.Track.$Properties[]|null);

                /** Welcome locked */
                locked?: (boolean|null);

                /** Welcome participantCount */
                participantCount?: (number|null);

                /** Welcome staffOnly */
                staffOnly?: (boolean|null);

                /** Welcome rosterFollows */
                rosterFollows?: (number|null);

                /** Welcome resumeCredential */
                resumeCredential?: (string|null);

                /** Welcome resumed */
                resumed?: (boolean|null);

                /** Welcome resumeGraceMs */
                resumeGraceMs?: (number|null);

                /** Welcome resumeGap */
                resumeGap?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Welcome. */
            type $Shape = ephemera.v1.Welcome.$Properties;
        }

        /**
         * Properties of a ResumeGap.
         * @deprecated Use ephemera.v1.ResumeGap.$Properties instead.
         */
        interface IResumeGap extends ephemera.v1.ResumeGap.$Properties {
        }

        /** Represents a ResumeGap. */
        class ResumeGap {

            /**
             * Constructs a new ResumeGap.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.ResumeGap.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ResumeGap afterSeq. */
            afterSeq: number;

            /** ResumeGap throughSeq. */
            throughSeq: number;

            /** ResumeGap missed. */
            missed: ephemera.v1.LaneCount.$Properties[];

            /** ResumeGap countsKnown. */
            countsKnown: boolean;

            /**
             * Creates a new ResumeGap instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ResumeGap instance
             */
            static create(properties: ephemera.v1.ResumeGap.$Shape): ephemera.v1.ResumeGap & ephemera.v1.ResumeGap.$Shape;
            static create(properties?: ephemera.v1.ResumeGap.$Properties): ephemera.v1.ResumeGap;

            /**
             * Encodes the specified ResumeGap message. Does not implicitly {@link ephemera.v1.ResumeGap.verify|verify} messages.
             * @param message ResumeGap message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.ResumeGap.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ResumeGap message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.ResumeGap & ephemera.v1.ResumeGap.$Shape} ResumeGap
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.ResumeGap & ephemera.v1.ResumeGap.$Shape;

            /**
             * Gets the type url for ResumeGap
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ResumeGap {

            /** Properties of a ResumeGap. */
            interface $Properties {

                /** ResumeGap afterSeq */
                afterSeq?: (number|null);

                /** ResumeGap throughSeq */
                throughSeq?: (number|null);

                /** ResumeGap missed */
                missed?: (ephemera.v1.LaneCount.$Properties[]|null);

                /** ResumeGap countsKnown */
                countsKnown?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ResumeGap. */
            type $Shape = ephemera.v1.ResumeGap.$Properties;
        }

        /**
         * Properties of a LaneCount.
         * @deprecated Use ephemera.v1.LaneCount.$Properties instead.
         */
        interface ILaneCount extends ephemera.v1.LaneCount.$Properties {
        }

        /** Represents a LaneCount. */
        class LaneCount {

            /**
             * Constructs a new LaneCount.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.LaneCount.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** LaneCount lane. */
            lane: string;

            /** LaneCount frames. */
            frames: number;

            /**
             * Creates a new LaneCount instance using the specified properties.
             * @param [properties] Properties to set
             * @returns LaneCount instance
             */
            static create(properties: ephemera.v1.LaneCount.$Shape): ephemera.v1.LaneCount & ephemera.v1.LaneCount.$Shape;
            static create(properties?: ephemera.v1.LaneCount.$Properties): ephemera.v1.LaneCount;

            /**
             * Encodes the specified LaneCount message. Does not implicitly {@link ephemera.v1.LaneCount.verify|verify} messages.
             * @param message LaneCount message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.LaneCount.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a LaneCount message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.LaneCount & ephemera.v1.LaneCount.$Shape} LaneCount
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.LaneCount & ephemera.v1.LaneCount.$Shape;

            /**
             * Gets the type url for LaneCount
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace LaneCount {

            /** Properties of a LaneCount. */
            interface $Properties {

                /** LaneCount lane */
                lane?: (string|null);

                /** LaneCount frames */
                frames?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a LaneCount. */
            type $Shape = ephemera.v1.LaneCount.$Properties;
        }

        /**
         * Properties of a Limits.
         * @deprecated Use ephemera.v1.Limits.$Properties instead.
         */
        interface ILimits extends ephemera.v1.Limits.$Properties {
        }

        /** Represents a Limits. */
        class Limits {

            /**
             * Constructs a new Limits.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Limits.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Limits maxFrameBytes. */
            maxFrameBytes: number;

            /** Limits maxFramesPerSecond. */
            maxFramesPerSecond: number;

            /** Limits idleTimeoutMs. */
            idleTimeoutMs: number;

            /** Limits maxReliableBacklogBytes. */
            maxReliableBacklogBytes: number;

            /**
             * Creates a new Limits instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Limits instance
             */
            static create(properties: ephemera.v1.Limits.$Shape): ephemera.v1.Limits & ephemera.v1.Limits.$Shape;
            static create(properties?: ephemera.v1.Limits.$Properties): ephemera.v1.Limits;

            /**
             * Encodes the specified Limits message. Does not implicitly {@link ephemera.v1.Limits.verify|verify} messages.
             * @param message Limits message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Limits.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Limits message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Limits & ephemera.v1.Limits.$Shape} Limits
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Limits & ephemera.v1.Limits.$Shape;

            /**
             * Gets the type url for Limits
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Limits {

            /** Properties of a Limits. */
            interface $Properties {

                /** Limits maxFrameBytes */
                maxFrameBytes?: (number|null);

                /** Limits maxFramesPerSecond */
                maxFramesPerSecond?: (number|null);

                /** Limits idleTimeoutMs */
                idleTimeoutMs?: (number|null);

                /** Limits maxReliableBacklogBytes */
                maxReliableBacklogBytes?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Limits. */
            type $Shape = ephemera.v1.Limits.$Properties;
        }

        /**
         * Properties of a RosterUpdate.
         * @deprecated Use ephemera.v1.RosterUpdate.$Properties instead.
         */
        interface IRosterUpdate extends ephemera.v1.RosterUpdate.$Properties {
        }

        /** Represents a RosterUpdate. */
        class RosterUpdate {

            /**
             * Constructs a new RosterUpdate.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.RosterUpdate.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** RosterUpdate change. */
            change: ephemera.v1.RosterUpdate.Change;

            /** RosterUpdate participant. */
            participant?: (ephemera.v1.Participant.$Properties|null);

            /** RosterUpdate reason. */
            reason: string;

            /**
             * Creates a new RosterUpdate instance using the specified properties.
             * @param [properties] Properties to set
             * @returns RosterUpdate instance
             */
            static create(properties: ephemera.v1.RosterUpdate.$Shape): ephemera.v1.RosterUpdate & ephemera.v1.RosterUpdate.$Shape;
            static create(properties?: ephemera.v1.RosterUpdate.$Properties): ephemera.v1.RosterUpdate;

            /**
             * Encodes the specified RosterUpdate message. Does not implicitly {@link ephemera.v1.RosterUpdate.verify|verify} messages.
             * @param message RosterUpdate message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.RosterUpdate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a RosterUpdate message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.RosterUpdate & ephemera.v1.RosterUpdate.$Shape} RosterUpdate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.RosterUpdate & ephemera.v1.RosterUpdate.$Shape;

            /**
             * Gets the type url for RosterUpdate
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace RosterUpdate {

            /** Properties of a RosterUpdate. */
            interface $Properties {

                /** RosterUpdate change */
                change?: (ephemera.v1.RosterUpdate.Change|null);

                /** RosterUpdate participant */
                participant?: (ephemera.v1.Participant.$Properties|null);

                /** RosterUpdate reason */
                reason?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a RosterUpdate. */
            type $Shape = ephemera.v1.RosterUpdate.$Properties;

            /** Change enum. */
            enum Change {

                /** JOINED value */
                JOINED = 0,

                /** LEFT value */
                LEFT = 1,

                /** UPDATED value */
                UPDATED = 2,

                /** RECONNECTING value */
                RECONNECTING = 3,

                /** RESUMED value */
                RESUMED = 4
            }
        }

        /**
         * Properties of a RosterBatch.
         * @deprecated Use ephemera.v1.RosterBatch.$Properties instead.
         */
        interface IRosterBatch extends ephemera.v1.RosterBatch.$Properties {
        }

        /** Represents a RosterBatch. */
        class RosterBatch {

            /**
             * Constructs a new RosterBatch.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.RosterBatch.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** RosterBatch updates. */
            updates: ephemera.v1.RosterUpdate.$Properties[];

            /** RosterBatch participantCount. */
            participantCount: number;

            /** RosterBatch staffOnly. */
            staffOnly: boolean;

            /** RosterBatch page. */
            page: boolean;

            /**
             * Creates a new RosterBatch instance using the specified properties.
             * @param [properties] Properties to set
             * @returns RosterBatch instance
             */
            static create(properties: ephemera.v1.RosterBatch.$Shape): ephemera.v1.RosterBatch & ephemera.v1.RosterBatch.$Shape;
            static create(properties?: ephemera.v1.RosterBatch.$Properties): ephemera.v1.RosterBatch;

            /**
             * Encodes the specified RosterBatch message. Does not implicitly {@link ephemera.v1.RosterBatch.verify|verify} messages.
             * @param message RosterBatch message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.RosterBatch.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a RosterBatch message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.RosterBatch & ephemera.v1.RosterBatch.$Shape} RosterBatch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.RosterBatch & ephemera.v1.RosterBatch.$Shape;

            /**
             * Gets the type url for RosterBatch
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace RosterBatch {

            /** Properties of a RosterBatch. */
            interface $Properties {

                /** RosterBatch updates */
                updates?: (ephemera.v1.RosterUpdate.$Properties[]|null);

                /** RosterBatch participantCount */
                participantCount?: (number|null);

                /** RosterBatch staffOnly */
                staffOnly?: (boolean|null);

                /** RosterBatch page */
                page?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a RosterBatch. */
            type $Shape = ephemera.v1.RosterBatch.$Properties;
        }

        /**
         * Properties of an Error.
         * @deprecated Use ephemera.v1.Error.$Properties instead.
         */
        interface IError extends ephemera.v1.Error.$Properties {
        }

        /** Represents an Error. */
        class Error {

            /**
             * Constructs a new Error.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Error.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Error code. */
            code: string;

            /** Error message. */
            message: string;

            /** Error closeCode. */
            closeCode: number;

            /** Error ref. */
            ref: number;

            /**
             * Creates a new Error instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Error instance
             */
            static create(properties: ephemera.v1.Error.$Shape): ephemera.v1.Error & ephemera.v1.Error.$Shape;
            static create(properties?: ephemera.v1.Error.$Properties): ephemera.v1.Error;

            /**
             * Encodes the specified Error message. Does not implicitly {@link ephemera.v1.Error.verify|verify} messages.
             * @param message Error message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Error & ephemera.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Error & ephemera.v1.Error.$Shape;

            /**
             * Gets the type url for Error
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Error {

            /** Properties of an Error. */
            interface $Properties {

                /** Error code */
                code?: (string|null);

                /** Error message */
                message?: (string|null);

                /** Error closeCode */
                closeCode?: (number|null);

                /** Error ref */
                ref?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Error. */
            type $Shape = ephemera.v1.Error.$Properties;
        }

        /**
         * Properties of a Leave.
         * @deprecated Use ephemera.v1.Leave.$Properties instead.
         */
        interface ILeave extends ephemera.v1.Leave.$Properties {
        }

        /** Represents a Leave. */
        class Leave {

            /**
             * Constructs a new Leave.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Leave.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Leave reason. */
            reason: string;

            /**
             * Creates a new Leave instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Leave instance
             */
            static create(properties: ephemera.v1.Leave.$Shape): ephemera.v1.Leave & ephemera.v1.Leave.$Shape;
            static create(properties?: ephemera.v1.Leave.$Properties): ephemera.v1.Leave;

            /**
             * Encodes the specified Leave message. Does not implicitly {@link ephemera.v1.Leave.verify|verify} messages.
             * @param message Leave message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Leave.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Leave message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Leave & ephemera.v1.Leave.$Shape} Leave
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Leave & ephemera.v1.Leave.$Shape;

            /**
             * Gets the type url for Leave
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Leave {

            /** Properties of a Leave. */
            interface $Properties {

                /** Leave reason */
                reason?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Leave. */
            type $Shape = ephemera.v1.Leave.$Properties;
        }

        /**
         * Properties of a HostControl.
         * @deprecated Use ephemera.v1.HostControl.$Properties instead.
         */
        interface IHostControl extends ephemera.v1.HostControl.$Properties {
        }

        /** Represents a HostControl. */
        class HostControl {

            /**
             * Constructs a new HostControl.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.HostControl.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** HostControl action. */
            action: ephemera.v1.HostControl.Action;

            /** HostControl target. */
            target: string;

            /** HostControl bar. */
            bar: boolean;

            /** HostControl track. */
            track: number;

            /**
             * Creates a new HostControl instance using the specified properties.
             * @param [properties] Properties to set
             * @returns HostControl instance
             */
            static create(properties: ephemera.v1.HostControl.$Shape): ephemera.v1.HostControl & ephemera.v1.HostControl.$Shape;
            static create(properties?: ephemera.v1.HostControl.$Properties): ephemera.v1.HostControl;

            /**
             * Encodes the specified HostControl message. Does not implicitly {@link ephemera.v1.HostControl.verify|verify} messages.
             * @param message HostControl message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.HostControl.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a HostControl message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.HostControl & ephemera.v1.HostControl.$Shape} HostControl
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.HostControl & ephemera.v1.HostControl.$Shape;

            /**
             * Gets the type url for HostControl
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace HostControl {

            /** Properties of a HostControl. */
            interface $Properties {

                /** HostControl action */
                action?: (ephemera.v1.HostControl.Action|null);

                /** HostControl target */
                target?: (string|null);

                /** HostControl bar */
                bar?: (boolean|null);

                /** HostControl track */
                track?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a HostControl. */
            type $Shape = ephemera.v1.HostControl.$Properties;

            /** Action enum. */
            enum Action {

                /** ACTION_UNSPECIFIED value */
                ACTION_UNSPECIFIED = 0,

                /** END_MEETING value */
                END_MEETING = 1,

                /** REMOVE value */
                REMOVE = 2,

                /** LOCK value */
                LOCK = 3,

                /** UNLOCK value */
                UNLOCK = 4,

                /** ASK_MUTE value */
                ASK_MUTE = 5,

                /** PROMOTE value */
                PROMOTE = 6,

                /** DEMOTE value */
                DEMOTE = 7
            }
        }

        /**
         * Properties of a MeetingEnded.
         * @deprecated Use ephemera.v1.MeetingEnded.$Properties instead.
         */
        interface IMeetingEnded extends ephemera.v1.MeetingEnded.$Properties {
        }

        /** Represents a MeetingEnded. */
        class MeetingEnded {

            /**
             * Constructs a new MeetingEnded.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.MeetingEnded.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** MeetingEnded reason. */
            reason: string;

            /**
             * Creates a new MeetingEnded instance using the specified properties.
             * @param [properties] Properties to set
             * @returns MeetingEnded instance
             */
            static create(properties: ephemera.v1.MeetingEnded.$Shape): ephemera.v1.MeetingEnded & ephemera.v1.MeetingEnded.$Shape;
            static create(properties?: ephemera.v1.MeetingEnded.$Properties): ephemera.v1.MeetingEnded;

            /**
             * Encodes the specified MeetingEnded message. Does not implicitly {@link ephemera.v1.MeetingEnded.verify|verify} messages.
             * @param message MeetingEnded message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.MeetingEnded.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a MeetingEnded message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.MeetingEnded & ephemera.v1.MeetingEnded.$Shape} MeetingEnded
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.MeetingEnded & ephemera.v1.MeetingEnded.$Shape;

            /**
             * Gets the type url for MeetingEnded
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace MeetingEnded {

            /** Properties of a MeetingEnded. */
            interface $Properties {

                /** MeetingEnded reason */
                reason?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a MeetingEnded. */
            type $Shape = ephemera.v1.MeetingEnded.$Properties;
        }

        /**
         * Properties of a Track.
         * @deprecated Use ephemera.v1.Track.$Properties instead.
         */
        interface ITrack extends ephemera.v1.Track.$Properties {
        }

        /** Represents a Track. */
        class Track {

            /**
             * Constructs a new Track.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Track.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Track id. */
            id: number;

            /** Track source. */
            source: ephemera.v1.Track.Source;

            /** Track codec. */
            codec: string;

            /** Track publisher. */
            publisher: string;

            /**
             * Creates a new Track instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Track instance
             */
            static create(properties: ephemera.v1.Track.$Shape): ephemera.v1.Track & ephemera.v1.Track.$Shape;
            static create(properties?: ephemera.v1.Track.$Properties): ephemera.v1.Track;

            /**
             * Encodes the specified Track message. Does not implicitly {@link ephemera.v1.Track.verify|verify} messages.
             * @param message Track message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Track.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Track message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Track & ephemera.v1.Track.$Shape} Track
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Track & ephemera.v1.Track.$Shape;

            /**
             * Gets the type url for Track
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Track {

            /** Properties of a Track. */
            interface $Properties {

                /** Track id */
                id?: (number|null);

                /** Track source */
                source?: (ephemera.v1.Track.Source|null);

                /** Track codec */
                codec?: (string|null);

                /** Track publisher */
                publisher?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Track. */
            type $Shape = ephemera.v1.Track.$Properties;

            /** Source enum. */
            enum Source {

                /** SOURCE_UNSPECIFIED value */
                SOURCE_UNSPECIFIED = 0,

                /** AUDIO value */
                AUDIO = 1,

                /** VIDEO value */
                VIDEO = 2,

                /** SCREEN value */
                SCREEN = 3
            }
        }

        /**
         * Properties of a Subscription.
         * @deprecated Use ephemera.v1.Subscription.$Properties instead.
         */
        interface ISubscription extends ephemera.v1.Subscription.$Properties {
        }

        /** Represents a Subscription. */
        class Subscription {

            /**
             * Constructs a new Subscription.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Subscription.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Subscription publisher. */
            publisher: string;

            /** Subscription track. */
            track: number;

            /**
             * Creates a new Subscription instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Subscription instance
             */
            static create(properties: ephemera.v1.Subscription.$Shape): ephemera.v1.Subscription & ephemera.v1.Subscription.$Shape;
            static create(properties?: ephemera.v1.Subscription.$Properties): ephemera.v1.Subscription;

            /**
             * Encodes the specified Subscription message. Does not implicitly {@link ephemera.v1.Subscription.verify|verify} messages.
             * @param message Subscription message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Subscription.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Subscription message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Subscription & ephemera.v1.Subscription.$Shape} Subscription
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Subscription & ephemera.v1.Subscription.$Shape;

            /**
             * Gets the type url for Subscription
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Subscription {

            /** Properties of a Subscription. */
            interface $Properties {

                /** Subscription publisher */
                publisher?: (string|null);

                /** Subscription track */
                track?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Subscription. */
            type $Shape = ephemera.v1.Subscription.$Properties;
        }

        /**
         * Properties of a KeyframeRequest.
         * @deprecated Use ephemera.v1.KeyframeRequest.$Properties instead.
         */
        interface IKeyframeRequest extends ephemera.v1.KeyframeRequest.$Properties {
        }

        /** Represents a KeyframeRequest. */
        class KeyframeRequest {

            /**
             * Constructs a new KeyframeRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.KeyframeRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** KeyframeRequest track. */
            track: number;

            /**
             * Creates a new KeyframeRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns KeyframeRequest instance
             */
            static create(properties: ephemera.v1.KeyframeRequest.$Shape): ephemera.v1.KeyframeRequest & ephemera.v1.KeyframeRequest.$Shape;
            static create(properties?: ephemera.v1.KeyframeRequest.$Properties): ephemera.v1.KeyframeRequest;

            /**
             * Encodes the specified KeyframeRequest message. Does not implicitly {@link ephemera.v1.KeyframeRequest.verify|verify} messages.
             * @param message KeyframeRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.KeyframeRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a KeyframeRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.KeyframeRequest & ephemera.v1.KeyframeRequest.$Shape} KeyframeRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.KeyframeRequest & ephemera.v1.KeyframeRequest.$Shape;

            /**
             * Gets the type url for KeyframeRequest
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace KeyframeRequest {

            /** Properties of a KeyframeRequest. */
            interface $Properties {

                /** KeyframeRequest track */
                track?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a KeyframeRequest. */
            type $Shape = ephemera.v1.KeyframeRequest.$Properties;
        }

        /**
         * Properties of an ActiveSpeakers.
         * @deprecated Use ephemera.v1.ActiveSpeakers.$Properties instead.
         */
        interface IActiveSpeakers extends ephemera.v1.ActiveSpeakers.$Properties {
        }

        /** Represents an ActiveSpeakers. */
        class ActiveSpeakers {

            /**
             * Constructs a new ActiveSpeakers.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.ActiveSpeakers.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ActiveSpeakers participants. */
            participants: string[];

            /**
             * Creates a new ActiveSpeakers instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ActiveSpeakers instance
             */
            static create(properties: ephemera.v1.ActiveSpeakers.$Shape): ephemera.v1.ActiveSpeakers & ephemera.v1.ActiveSpeakers.$Shape;
            static create(properties?: ephemera.v1.ActiveSpeakers.$Properties): ephemera.v1.ActiveSpeakers;

            /**
             * Encodes the specified ActiveSpeakers message. Does not implicitly {@link ephemera.v1.ActiveSpeakers.verify|verify} messages.
             * @param message ActiveSpeakers message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.ActiveSpeakers.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ActiveSpeakers message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.ActiveSpeakers & ephemera.v1.ActiveSpeakers.$Shape} ActiveSpeakers
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.ActiveSpeakers & ephemera.v1.ActiveSpeakers.$Shape;

            /**
             * Gets the type url for ActiveSpeakers
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ActiveSpeakers {

            /** Properties of an ActiveSpeakers. */
            interface $Properties {

                /** ActiveSpeakers participants */
                participants?: (string[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an ActiveSpeakers. */
            type $Shape = ephemera.v1.ActiveSpeakers.$Properties;
        }

        /**
         * Properties of a DocumentOffer.
         * @deprecated Use ephemera.v1.DocumentOffer.$Properties instead.
         */
        interface IDocumentOffer extends ephemera.v1.DocumentOffer.$Properties {
        }

        /** Represents a DocumentOffer. */
        class DocumentOffer {

            /**
             * Constructs a new DocumentOffer.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.DocumentOffer.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DocumentOffer transferId. */
            transferId: string;

            /** DocumentOffer size. */
            size: number;

            /** DocumentOffer sha256. */
            sha256: Uint8Array;

            /** DocumentOffer chunkSize. */
            chunkSize: number;

            /**
             * Creates a new DocumentOffer instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DocumentOffer instance
             */
            static create(properties: ephemera.v1.DocumentOffer.$Shape): ephemera.v1.DocumentOffer & ephemera.v1.DocumentOffer.$Shape;
            static create(properties?: ephemera.v1.DocumentOffer.$Properties): ephemera.v1.DocumentOffer;

            /**
             * Encodes the specified DocumentOffer message. Does not implicitly {@link ephemera.v1.DocumentOffer.verify|verify} messages.
             * @param message DocumentOffer message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.DocumentOffer.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DocumentOffer message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.DocumentOffer & ephemera.v1.DocumentOffer.$Shape} DocumentOffer
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.DocumentOffer & ephemera.v1.DocumentOffer.$Shape;

            /**
             * Gets the type url for DocumentOffer
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace DocumentOffer {

            /** Properties of a DocumentOffer. */
            interface $Properties {

                /** DocumentOffer transferId */
                transferId?: (string|null);

                /** DocumentOffer size */
                size?: (number|null);

                /** DocumentOffer sha256 */
                sha256?: (Uint8Array|null);

                /** DocumentOffer chunkSize */
                chunkSize?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DocumentOffer. */
            type $Shape = ephemera.v1.DocumentOffer.$Properties;
        }

        /**
         * Properties of a DocumentInfo.
         * @deprecated Use ephemera.v1.DocumentInfo.$Properties instead.
         */
        interface IDocumentInfo extends ephemera.v1.DocumentInfo.$Properties {
        }

        /** Represents a DocumentInfo. */
        class DocumentInfo {

            /**
             * Constructs a new DocumentInfo.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.DocumentInfo.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DocumentInfo name. */
            name: string;

            /** DocumentInfo mediaType. */
            mediaType: string;

            /**
             * Creates a new DocumentInfo instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DocumentInfo instance
             */
            static create(properties: ephemera.v1.DocumentInfo.$Shape): ephemera.v1.DocumentInfo & ephemera.v1.DocumentInfo.$Shape;
            static create(properties?: ephemera.v1.DocumentInfo.$Properties): ephemera.v1.DocumentInfo;

            /**
             * Encodes the specified DocumentInfo message. Does not implicitly {@link ephemera.v1.DocumentInfo.verify|verify} messages.
             * @param message DocumentInfo message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.DocumentInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DocumentInfo message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.DocumentInfo & ephemera.v1.DocumentInfo.$Shape} DocumentInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.DocumentInfo & ephemera.v1.DocumentInfo.$Shape;

            /**
             * Gets the type url for DocumentInfo
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace DocumentInfo {

            /** Properties of a DocumentInfo. */
            interface $Properties {

                /** DocumentInfo name */
                name?: (string|null);

                /** DocumentInfo mediaType */
                mediaType?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DocumentInfo. */
            type $Shape = ephemera.v1.DocumentInfo.$Properties;
        }

        /**
         * Properties of a DocumentChunk.
         * @deprecated Use ephemera.v1.DocumentChunk.$Properties instead.
         */
        interface IDocumentChunk extends ephemera.v1.DocumentChunk.$Properties {
        }

        /** Represents a DocumentChunk. */
        class DocumentChunk {

            /**
             * Constructs a new DocumentChunk.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.DocumentChunk.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DocumentChunk transferId. */
            transferId: string;

            /** DocumentChunk offset. */
            offset: number;

            /** DocumentChunk last. */
            last: boolean;

            /**
             * Creates a new DocumentChunk instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DocumentChunk instance
             */
            static create(properties: ephemera.v1.DocumentChunk.$Shape): ephemera.v1.DocumentChunk & ephemera.v1.DocumentChunk.$Shape;
            static create(properties?: ephemera.v1.DocumentChunk.$Properties): ephemera.v1.DocumentChunk;

            /**
             * Encodes the specified DocumentChunk message. Does not implicitly {@link ephemera.v1.DocumentChunk.verify|verify} messages.
             * @param message DocumentChunk message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.DocumentChunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DocumentChunk message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.DocumentChunk & ephemera.v1.DocumentChunk.$Shape} DocumentChunk
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.DocumentChunk & ephemera.v1.DocumentChunk.$Shape;

            /**
             * Gets the type url for DocumentChunk
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace DocumentChunk {

            /** Properties of a DocumentChunk. */
            interface $Properties {

                /** DocumentChunk transferId */
                transferId?: (string|null);

                /** DocumentChunk offset */
                offset?: (number|null);

                /** DocumentChunk last */
                last?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DocumentChunk. */
            type $Shape = ephemera.v1.DocumentChunk.$Properties;
        }

        /**
         * Properties of a DocumentAck.
         * @deprecated Use ephemera.v1.DocumentAck.$Properties instead.
         */
        interface IDocumentAck extends ephemera.v1.DocumentAck.$Properties {
        }

        /** Represents a DocumentAck. */
        class DocumentAck {

            /**
             * Constructs a new DocumentAck.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.DocumentAck.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DocumentAck transferId. */
            transferId: string;

            /** DocumentAck received. */
            received: number;

            /**
             * Creates a new DocumentAck instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DocumentAck instance
             */
            static create(properties: ephemera.v1.DocumentAck.$Shape): ephemera.v1.DocumentAck & ephemera.v1.DocumentAck.$Shape;
            static create(properties?: ephemera.v1.DocumentAck.$Properties): ephemera.v1.DocumentAck;

            /**
             * Encodes the specified DocumentAck message. Does not implicitly {@link ephemera.v1.DocumentAck.verify|verify} messages.
             * @param message DocumentAck message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.DocumentAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DocumentAck message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.DocumentAck & ephemera.v1.DocumentAck.$Shape} DocumentAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.DocumentAck & ephemera.v1.DocumentAck.$Shape;

            /**
             * Gets the type url for DocumentAck
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace DocumentAck {

            /** Properties of a DocumentAck. */
            interface $Properties {

                /** DocumentAck transferId */
                transferId?: (string|null);

                /** DocumentAck received */
                received?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DocumentAck. */
            type $Shape = ephemera.v1.DocumentAck.$Properties;
        }

        /**
         * Properties of a DocumentCredit.
         * @deprecated Use ephemera.v1.DocumentCredit.$Properties instead.
         */
        interface IDocumentCredit extends ephemera.v1.DocumentCredit.$Properties {
        }

        /** Represents a DocumentCredit. */
        class DocumentCredit {

            /**
             * Constructs a new DocumentCredit.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.DocumentCredit.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DocumentCredit transferId. */
            transferId: string;

            /** DocumentCredit allowed. */
            allowed: number;

            /**
             * Creates a new DocumentCredit instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DocumentCredit instance
             */
            static create(properties: ephemera.v1.DocumentCredit.$Shape): ephemera.v1.DocumentCredit & ephemera.v1.DocumentCredit.$Shape;
            static create(properties?: ephemera.v1.DocumentCredit.$Properties): ephemera.v1.DocumentCredit;

            /**
             * Encodes the specified DocumentCredit message. Does not implicitly {@link ephemera.v1.DocumentCredit.verify|verify} messages.
             * @param message DocumentCredit message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.DocumentCredit.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DocumentCredit message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.DocumentCredit & ephemera.v1.DocumentCredit.$Shape} DocumentCredit
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.DocumentCredit & ephemera.v1.DocumentCredit.$Shape;

            /**
             * Gets the type url for DocumentCredit
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace DocumentCredit {

            /** Properties of a DocumentCredit. */
            interface $Properties {

                /** DocumentCredit transferId */
                transferId?: (string|null);

                /** DocumentCredit allowed */
                allowed?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DocumentCredit. */
            type $Shape = ephemera.v1.DocumentCredit.$Properties;
        }

        /**
         * Properties of a DocumentCancel.
         * @deprecated Use ephemera.v1.DocumentCancel.$Properties instead.
         */
        interface IDocumentCancel extends ephemera.v1.DocumentCancel.$Properties {
        }

        /** Represents a DocumentCancel. */
        class DocumentCancel {

            /**
             * Constructs a new DocumentCancel.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.DocumentCancel.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DocumentCancel transferId. */
            transferId: string;

            /** DocumentCancel reason. */
            reason: string;

            /** DocumentCancel participant. */
            participant: string;

            /**
             * Creates a new DocumentCancel instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DocumentCancel instance
             */
            static create(properties: ephemera.v1.DocumentCancel.$Shape): ephemera.v1.DocumentCancel & ephemera.v1.DocumentCancel.$Shape;
            static create(properties?: ephemera.v1.DocumentCancel.$Properties): ephemera.v1.DocumentCancel;

            /**
             * Encodes the specified DocumentCancel message. Does not implicitly {@link ephemera.v1.DocumentCancel.verify|verify} messages.
             * @param message DocumentCancel message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.DocumentCancel.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DocumentCancel message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.DocumentCancel & ephemera.v1.DocumentCancel.$Shape} DocumentCancel
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.DocumentCancel & ephemera.v1.DocumentCancel.$Shape;

            /**
             * Gets the type url for DocumentCancel
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace DocumentCancel {

            /** Properties of a DocumentCancel. */
            interface $Properties {

                /** DocumentCancel transferId */
                transferId?: (string|null);

                /** DocumentCancel reason */
                reason?: (string|null);

                /** DocumentCancel participant */
                participant?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DocumentCancel. */
            type $Shape = ephemera.v1.DocumentCancel.$Properties;
        }

        /**
         * Properties of a DocumentResend.
         * @deprecated Use ephemera.v1.DocumentResend.$Properties instead.
         */
        interface IDocumentResend extends ephemera.v1.DocumentResend.$Properties {
        }

        /** Represents a DocumentResend. */
        class DocumentResend {

            /**
             * Constructs a new DocumentResend.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.DocumentResend.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** DocumentResend transferId. */
            transferId: string;

            /** DocumentResend offset. */
            offset: number;

            /** DocumentResend rewind. */
            rewind: boolean;

            /**
             * Creates a new DocumentResend instance using the specified properties.
             * @param [properties] Properties to set
             * @returns DocumentResend instance
             */
            static create(properties: ephemera.v1.DocumentResend.$Shape): ephemera.v1.DocumentResend & ephemera.v1.DocumentResend.$Shape;
            static create(properties?: ephemera.v1.DocumentResend.$Properties): ephemera.v1.DocumentResend;

            /**
             * Encodes the specified DocumentResend message. Does not implicitly {@link ephemera.v1.DocumentResend.verify|verify} messages.
             * @param message DocumentResend message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.DocumentResend.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a DocumentResend message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.DocumentResend & ephemera.v1.DocumentResend.$Shape} DocumentResend
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.DocumentResend & ephemera.v1.DocumentResend.$Shape;

            /**
             * Gets the type url for DocumentResend
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace DocumentResend {

            /** Properties of a DocumentResend. */
            interface $Properties {

                /** DocumentResend transferId */
                transferId?: (string|null);

                /** DocumentResend offset */
                offset?: (number|null);

                /** DocumentResend rewind */
                rewind?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a DocumentResend. */
            type $Shape = ephemera.v1.DocumentResend.$Properties;
        }

        /** Kind enum. */
        enum Kind {

            /** KIND_UNSPECIFIED value */
            KIND_UNSPECIFIED = 0,

            /** WELCOME value */
            WELCOME = 1,

            /** ROSTER value */
            ROSTER = 2,

            /** ERROR value */
            ERROR = 3,

            /** PING value */
            PING = 4,

            /** PONG value */
            PONG = 5,

            /** LEAVE value */
            LEAVE = 6,

            /** HOST_CONTROL value */
            HOST_CONTROL = 7,

            /** MEETING_ENDED value */
            MEETING_ENDED = 8,

            /** ROSTER_BATCH value */
            ROSTER_BATCH = 9,

            /** CHAT value */
            CHAT = 10,

            /** POLL_OPEN value */
            POLL_OPEN = 20,

            /** POLL_ANSWER value */
            POLL_ANSWER = 21,

            /** POLL_CLOSE value */
            POLL_CLOSE = 22,

            /** POLL_TALLY value */
            POLL_TALLY = 23,

            /** POLL_RESULTS value */
            POLL_RESULTS = 24,

            /** DOC_OFFER value */
            DOC_OFFER = 30,

            /** DOC_CHUNK value */
            DOC_CHUNK = 31,

            /** DOC_ACK value */
            DOC_ACK = 32,

            /** DOC_CANCEL value */
            DOC_CANCEL = 33,

            /** DOC_RESEND value */
            DOC_RESEND = 34,

            /** DOC_CREDIT value */
            DOC_CREDIT = 35,

            /** TRACK_PUBLISH value */
            TRACK_PUBLISH = 40,

            /** TRACK_UNPUBLISH value */
            TRACK_UNPUBLISH = 41,

            /** TRACK_SUBSCRIBE value */
            TRACK_SUBSCRIBE = 42,

            /** TRACK_UNSUBSCRIBE value */
            TRACK_UNSUBSCRIBE = 43,

            /** MEDIA value */
            MEDIA = 44,

            /** KEYFRAME_REQUEST value */
            KEYFRAME_REQUEST = 45,

            /** ACTIVE_SPEAKERS value */
            ACTIVE_SPEAKERS = 46,

            /** RESUME_GAP value */
            RESUME_GAP = 60
        }

        /** Audience enum. */
        enum Audience {

            /** EVERYONE value */
            EVERYONE = 0,

            /** ONE value */
            ONE = 1,

            /** HOSTS value */
            HOSTS = 2
        }

        /**
         * Properties of an Envelope.
         * @deprecated Use ephemera.v1.Envelope.$Properties instead.
         */
        interface IEnvelope extends ephemera.v1.Envelope.$Properties {
        }

        /** Represents an Envelope. */
        class Envelope {

            /**
             * Constructs a new Envelope.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Envelope.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Envelope kind. */
            kind: ephemera.v1.Kind;

            /** Envelope from. */
            from: string;

            /** Envelope seq. */
            seq: number;

            /** Envelope audience. */
            audience: ephemera.v1.Audience;

            /** Envelope to. */
            to: string;

            /** Envelope track. */
            track: number;

            /** Envelope keyframe. */
            keyframe: boolean;

            /** Envelope timestamp. */
            timestamp: number;

            /** Envelope audioLevel. */
            audioLevel: number;

            /** Envelope ref. */
            ref: number;

            /** Envelope welcome. */
            welcome?: (ephemera.v1.Welcome.$Properties|null);

            /** Envelope roster. */
            roster?: (ephemera.v1.RosterUpdate.$Properties|null);

            /** Envelope error. */
            error?: (ephemera.v1.Error.$Properties|null);

            /** Envelope leave. */
            leave?: (ephemera.v1.Leave.$Properties|null);

            /** Envelope hostControl. */
            hostControl?: (ephemera.v1.HostControl.$Properties|null);

            /** Envelope meetingEnded. */
            meetingEnded?: (ephemera.v1.MeetingEnded.$Properties|null);

            /** Envelope rosterBatch. */
            rosterBatch?: (ephemera.v1.RosterBatch.$Properties|null);

            /** Envelope resumeGap. */
            resumeGap?: (ephemera.v1.ResumeGap.$Properties|null);

            /** Envelope pollOpen. */
            pollOpen?: (ephemera.v1.PollOpen.$Properties|null);

            /** Envelope pollAnswer. */
            pollAnswer?: (ephemera.v1.PollAnswer.$Properties|null);

            /** Envelope pollClose. */
            pollClose?: (ephemera.v1.PollClose.$Properties|null);

            /** Envelope pollTally. */
            pollTally?: (ephemera.v1.PollTally.$Properties|null);

            /** Envelope docOffer. */
            docOffer?: (ephemera.v1.DocumentOffer.$Properties|null);

            /** Envelope docChunk. */
            docChunk?: (ephemera.v1.DocumentChunk.$Properties|null);

            /** Envelope docAck. */
            docAck?: (ephemera.v1.DocumentAck.$Properties|null);

            /** Envelope docCancel. */
            docCancel?: (ephemera.v1.DocumentCancel.$Properties|null);

            /** Envelope docResend. */
            docResend?: (ephemera.v1.DocumentResend.$Properties|null);

            /** Envelope docCredit. */
            docCredit?: (ephemera.v1.DocumentCredit.$Properties|null);

            /** Envelope trackInfo. */
            trackInfo?: (ephemera.v1.Track.$Properties|null);

            /** Envelope subscription. */
            subscription?: (ephemera.v1.Subscription.$Properties|null);

            /** Envelope keyframeRequest. */
            keyframeRequest?: (ephemera.v1.KeyframeRequest.$Properties|null);

            /** Envelope activeSpeakers. */
            activeSpeakers?: (ephemera.v1.ActiveSpeakers.$Properties|null);

            /** Envelope payload. */
            payload: Uint8Array;

            /** Envelope body. */
            body?: ("welcome"|"roster"|"error"|"leave"|"hostControl"|"meetingEnded"|"rosterBatch"|"resumeGap"|"pollOpen"|"pollAnswer"|"pollClose"|"pollTally"|"docOffer"|"docChunk"|"docAck"|"docCancel"|"docResend"|"docCredit"|"trackInfo"|"subscription"|"keyframeRequest"|"activeSpeakers");

            /**
             * Creates a new Envelope instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Envelope instance
             */
            static create(properties: ephemera.v1.Envelope.$Shape): ephemera.v1.Envelope & ephemera.v1.Envelope.$Shape;
            static create(properties?: ephemera.v1.Envelope.$Properties): ephemera.v1.Envelope;

            /**
             * Encodes the specified Envelope message. Does not implicitly {@link ephemera.v1.Envelope.verify|verify} messages.
             * @param message Envelope message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Envelope message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Envelope & ephemera.v1.Envelope.$Shape} Envelope
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Envelope & ephemera.v1.Envelope.$Shape;

            /**
             * Gets the type url for Envelope
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Envelope {

            /** Properties of an Envelope. */
            interface $Properties {

                /** Envelope kind */
                kind?: (ephemera.v1.Kind|null);

                /** Envelope from */
                from?: (string|null);

                /** Envelope seq */
                seq?: (number|null);

                /** Envelope audience */
                audience?: (ephemera.v1.Audience|null);

                /** Envelope to */
                to?: (string|null);

                /** Envelope track */
                track?: (number|null);

                /** Envelope keyframe */
                keyframe?: (boolean|null);

                /** Envelope timestamp */
                timestamp?: (number|null);

                /** Envelope audioLevel */
                audioLevel?: (number|null);

                /** Envelope ref */
                ref?: (number|null);

                /** Envelope welcome */
                welcome?: (ephemera.v1.Welcome.$Properties|null);

                /** Envelope roster */
                roster?: (ephemera.v1.RosterUpdate.$Properties|null);

                /** Envelope error */
                error?: (ephemera.v1.Error.$Properties|null);

                /** Envelope leave */
                leave?: (ephemera.v1.Leave.$Properties|null);

                /** Envelope hostControl */
                hostControl?: (ephemera.v1.HostControl.$Properties|null);

                /** Envelope meetingEnded */
                meetingEnded?: (ephemera.v1.MeetingEnded.$Properties|null);

                /** Envelope rosterBatch */
                rosterBatch?: (ephemera.v1.RosterBatch.$Properties|null);

                /** Envelope resumeGap */
                resumeGap?: (ephemera.v1.ResumeGap.$Properties|null);

                /** Envelope pollOpen */
                pollOpen?: (ephemera.v1.PollOpen.$Properties|null);

                /** Envelope pollAnswer */
                pollAnswer?: (ephemera.v1.PollAnswer.$Properties|null);

                /** Envelope pollClose */
                pollClose?: (ephemera.v1.PollClose.$Properties|null);

                /** Envelope pollTally */
                pollTally?: (ephemera.v1.PollTally.$Properties|null);

                /** Envelope docOffer */
                docOffer?: (ephemera.v1.DocumentOffer.$Properties|null);

                /** Envelope docChunk */
                docChunk?: (ephemera.v1.DocumentChunk.$Properties|null);

                /** Envelope docAck */
                docAck?: (ephemera.v1.DocumentAck.$Properties|null);

                /** Envelope docCancel */
                docCancel?: (ephemera.v1.DocumentCancel.$Properties|null);

                /** Envelope docResend */
                docResend?: (ephemera.v1.DocumentResend.$Properties|null);

                /** Envelope docCredit */
                docCredit?: (ephemera.v1.DocumentCredit.$Properties|null);

                /** Envelope trackInfo */
                trackInfo?: (ephemera.v1.Track.$Properties|null);

                /** Envelope subscription */
                subscription?: (ephemera.v1.Subscription.$Properties|null);

                /** Envelope keyframeRequest */
                keyframeRequest?: (ephemera.v1.KeyframeRequest.$Properties|null);

                /** Envelope activeSpeakers */
                activeSpeakers?: (ephemera.v1.ActiveSpeakers.$Properties|null);

                /** Envelope payload */
                payload?: (Uint8Array|null);

                /** Envelope body */
                body?: ("welcome"|"roster"|"error"|"leave"|"hostControl"|"meetingEnded"|"rosterBatch"|"resumeGap"|"pollOpen"|"pollAnswer"|"pollClose"|"pollTally"|"docOffer"|"docChunk"|"docAck"|"docCancel"|"docResend"|"docCredit"|"trackInfo"|"subscription"|"keyframeRequest"|"activeSpeakers");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of an Envelope. */
            type $Shape = {
              kind?: ephemera.v1.Kind|null;
              from?: string|null;
              seq?: number|null;
              audience?: ephemera.v1.Audience|null;
              to?: string|null;
              track?: number|null;
              keyframe?: boolean|null;
              timestamp?: number|null;
              audioLevel?: number|null;
              ref?: number|null;
              welcome?: ephemera.v1.Welcome.$Shape|null;
              roster?: ephemera.v1.RosterUpdate.$Shape|null;
              error?: ephemera.v1.Error.$Shape|null;
              leave?: ephemera.v1.Leave.$Shape|null;
              hostControl?: ephemera.v1.HostControl.$Shape|null;
              meetingEnded?: ephemera.v1.MeetingEnded.$Shape|null;
              rosterBatch?: ephemera.v1.RosterBatch.$Shape|null;
              resumeGap?: ephemera.v1.ResumeGap.$Shape|null;
              pollOpen?: ephemera.v1.PollOpen.$Shape|null;
              pollAnswer?: ephemera.v1.PollAnswer.$Shape|null;
              pollClose?: ephemera.v1.PollClose.$Shape|null;
              pollTally?: ephemera.v1.PollTally.$Shape|null;
              docOffer?: ephemera.v1.DocumentOffer.$Shape|null;
              docChunk?: ephemera.v1.DocumentChunk.$Shape|null;
              docAck?: ephemera.v1.DocumentAck.$Shape|null;
              docCancel?: ephemera.v1.DocumentCancel.$Shape|null;
              docResend?: ephemera.v1.DocumentResend.$Shape|null;
              docCredit?: ephemera.v1.DocumentCredit.$Shape|null;
              trackInfo?: ephemera.v1.Track.$Shape|null;
              subscription?: ephemera.v1.Subscription.$Shape|null;
              keyframeRequest?: ephemera.v1.KeyframeRequest.$Shape|null;
              activeSpeakers?: ephemera.v1.ActiveSpeakers.$Shape|null;
              payload?: Uint8Array|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "welcome"; welcome: ephemera.v1.Welcome.$Shape; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "roster"; welcome?: null; roster: ephemera.v1.RosterUpdate.$Shape; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "error"; welcome?: null; roster?: null; error: ephemera.v1.Error.$Shape; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "leave"; welcome?: null; roster?: null; error?: null; leave: ephemera.v1.Leave.$Shape; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "hostControl"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl: ephemera.v1.HostControl.$Shape; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "meetingEnded"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded: ephemera.v1.MeetingEnded.$Shape; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "rosterBatch"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch: ephemera.v1.RosterBatch.$Shape; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "resumeGap"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap: ephemera.v1.ResumeGap.$Shape; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "pollOpen"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen: ephemera.v1.PollOpen.$Shape; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "pollAnswer"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer: ephemera.v1.PollAnswer.$Shape; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "pollClose"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose: ephemera.v1.PollClose.$Shape; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "pollTally"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally: ephemera.v1.PollTally.$Shape; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "docOffer"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer: ephemera.v1.DocumentOffer.$Shape; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "docChunk"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk: ephemera.v1.DocumentChunk.$Shape; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "docAck"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck: ephemera.v1.DocumentAck.$Shape; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "docCancel"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel: ephemera.v1.DocumentCancel.$Shape; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "docResend"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend: ephemera.v1.DocumentResend.$Shape; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "docCredit"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit: ephemera.v1.DocumentCredit.$Shape; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "trackInfo"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo: ephemera.v1.Track.$Shape; subscription?: null; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "subscription"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription: ephemera.v1.Subscription.$Shape; keyframeRequest?: null; activeSpeakers?: null }|{ body?: "keyframeRequest"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest: ephemera.v1.KeyframeRequest.$Shape; activeSpeakers?: null }|{ body?: "activeSpeakers"; welcome?: null; roster?: null; error?: null; leave?: null; hostControl?: null; meetingEnded?: null; rosterBatch?: null; resumeGap?: null; pollOpen?: null; pollAnswer?: null; pollClose?: null; pollTally?: null; docOffer?: null; docChunk?: null; docAck?: null; docCancel?: null; docResend?: null; docCredit?: null; trackInfo?: null; subscription?: null; keyframeRequest?: null; activeSpeakers: ephemera.v1.ActiveSpeakers.$Shape })
            );
        }

        /**
         * Properties of a PollOpen.
         * @deprecated Use ephemera.v1.PollOpen.$Properties instead.
         */
        interface IPollOpen extends ephemera.v1.PollOpen.$Properties {
        }

        /** Represents a PollOpen. */
        class PollOpen {

            /**
             * Constructs a new PollOpen.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.PollOpen.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PollOpen pollId. */
            pollId: string;

            /** PollOpen optionCounts. */
            optionCounts: number[];

            /** PollOpen anonymous. */
            anonymous: boolean;

            /** PollOpen multipleChoice. */
            multipleChoice: boolean;

            /**
             * Creates a new PollOpen instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PollOpen instance
             */
            static create(properties: ephemera.v1.PollOpen.$Shape): ephemera.v1.PollOpen & ephemera.v1.PollOpen.$Shape;
            static create(properties?: ephemera.v1.PollOpen.$Properties): ephemera.v1.PollOpen;

            /**
             * Encodes the specified PollOpen message. Does not implicitly {@link ephemera.v1.PollOpen.verify|verify} messages.
             * @param message PollOpen message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.PollOpen.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PollOpen message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.PollOpen & ephemera.v1.PollOpen.$Shape} PollOpen
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.PollOpen & ephemera.v1.PollOpen.$Shape;

            /**
             * Gets the type url for PollOpen
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace PollOpen {

            /** Properties of a PollOpen. */
            interface $Properties {

                /** PollOpen pollId */
                pollId?: (string|null);

                /** PollOpen optionCounts */
                optionCounts?: (number[]|null);

                /** PollOpen anonymous */
                anonymous?: (boolean|null);

                /** PollOpen multipleChoice */
                multipleChoice?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PollOpen. */
            type $Shape = ephemera.v1.PollOpen.$Properties;
        }

        /**
         * Properties of a PollAnswer.
         * @deprecated Use ephemera.v1.PollAnswer.$Properties instead.
         */
        interface IPollAnswer extends ephemera.v1.PollAnswer.$Properties {
        }

        /** Represents a PollAnswer. */
        class PollAnswer {

            /**
             * Constructs a new PollAnswer.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.PollAnswer.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PollAnswer pollId. */
            pollId: string;

            /** PollAnswer choices. */
            choices: ephemera.v1.Choice.$Properties[];

            /**
             * Creates a new PollAnswer instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PollAnswer instance
             */
            static create(properties: ephemera.v1.PollAnswer.$Shape): ephemera.v1.PollAnswer & ephemera.v1.PollAnswer.$Shape;
            static create(properties?: ephemera.v1.PollAnswer.$Properties): ephemera.v1.PollAnswer;

            /**
             * Encodes the specified PollAnswer message. Does not implicitly {@link ephemera.v1.PollAnswer.verify|verify} messages.
             * @param message PollAnswer message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.PollAnswer.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PollAnswer message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.PollAnswer & ephemera.v1.PollAnswer.$Shape} PollAnswer
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.PollAnswer & ephemera.v1.PollAnswer.$Shape;

            /**
             * Gets the type url for PollAnswer
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace PollAnswer {

            /** Properties of a PollAnswer. */
            interface $Properties {

                /** PollAnswer pollId */
                pollId?: (string|null);

                /** PollAnswer choices */
                choices?: (ephemera.v1.Choice.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PollAnswer. */
            type $Shape = ephemera.v1.PollAnswer.$Properties;
        }

        /**
         * Properties of a Choice.
         * @deprecated Use ephemera.v1.Choice.$Properties instead.
         */
        interface IChoice extends ephemera.v1.Choice.$Properties {
        }

        /** Represents a Choice. */
        class Choice {

            /**
             * Constructs a new Choice.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Choice.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Choice question. */
            question: number;

            /** Choice options. */
            options: number[];

            /**
             * Creates a new Choice instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Choice instance
             */
            static create(properties: ephemera.v1.Choice.$Shape): ephemera.v1.Choice & ephemera.v1.Choice.$Shape;
            static create(properties?: ephemera.v1.Choice.$Properties): ephemera.v1.Choice;

            /**
             * Encodes the specified Choice message. Does not implicitly {@link ephemera.v1.Choice.verify|verify} messages.
             * @param message Choice message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Choice.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Choice message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Choice & ephemera.v1.Choice.$Shape} Choice
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Choice & ephemera.v1.Choice.$Shape;

            /**
             * Gets the type url for Choice
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Choice {

            /** Properties of a Choice. */
            interface $Properties {

                /** Choice question */
                question?: (number|null);

                /** Choice options */
                options?: (number[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Choice. */
            type $Shape = ephemera.v1.Choice.$Properties;
        }

        /**
         * Properties of a PollClose.
         * @deprecated Use ephemera.v1.PollClose.$Properties instead.
         */
        interface IPollClose extends ephemera.v1.PollClose.$Properties {
        }

        /** Represents a PollClose. */
        class PollClose {

            /**
             * Constructs a new PollClose.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.PollClose.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PollClose pollId. */
            pollId: string;

            /**
             * Creates a new PollClose instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PollClose instance
             */
            static create(properties: ephemera.v1.PollClose.$Shape): ephemera.v1.PollClose & ephemera.v1.PollClose.$Shape;
            static create(properties?: ephemera.v1.PollClose.$Properties): ephemera.v1.PollClose;

            /**
             * Encodes the specified PollClose message. Does not implicitly {@link ephemera.v1.PollClose.verify|verify} messages.
             * @param message PollClose message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.PollClose.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PollClose message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.PollClose & ephemera.v1.PollClose.$Shape} PollClose
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.PollClose & ephemera.v1.PollClose.$Shape;

            /**
             * Gets the type url for PollClose
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace PollClose {

            /** Properties of a PollClose. */
            interface $Properties {

                /** PollClose pollId */
                pollId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PollClose. */
            type $Shape = ephemera.v1.PollClose.$Properties;
        }

        /**
         * Properties of a PollTally.
         * @deprecated Use ephemera.v1.PollTally.$Properties instead.
         */
        interface IPollTally extends ephemera.v1.PollTally.$Properties {
        }

        /** Represents a PollTally. */
        class PollTally {

            /**
             * Constructs a new PollTally.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.PollTally.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PollTally pollId. */
            pollId: string;

            /** PollTally questions. */
            questions: ephemera.v1.QuestionTally.$Properties[];

            /** PollTally answers. */
            answers: number;

            /** PollTally closed. */
            closed: boolean;

            /** PollTally answeredBy. */
            answeredBy: string[];

            /**
             * Creates a new PollTally instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PollTally instance
             */
            static create(properties: ephemera.v1.PollTally.$Shape): ephemera.v1.PollTally & ephemera.v1.PollTally.$Shape;
            static create(properties?: ephemera.v1.PollTally.$Properties): ephemera.v1.PollTally;

            /**
             * Encodes the specified PollTally message. Does not implicitly {@link ephemera.v1.PollTally.verify|verify} messages.
             * @param message PollTally message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.PollTally.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PollTally message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.PollTally & ephemera.v1.PollTally.$Shape} PollTally
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.PollTally & ephemera.v1.PollTally.$Shape;

            /**
             * Gets the type url for PollTally
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace PollTally {

            /** Properties of a PollTally. */
            interface $Properties {

                /** PollTally pollId */
                pollId?: (string|null);

                /** PollTally questions */
                questions?: (ephemera.v1.QuestionTally.$Properties[]|null);

                /** PollTally answers */
                answers?: (number|null);

                /** PollTally closed */
                closed?: (boolean|null);

                /** PollTally answeredBy */
                answeredBy?: (string[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PollTally. */
            type $Shape = ephemera.v1.PollTally.$Properties;
        }

        /**
         * Properties of a QuestionTally.
         * @deprecated Use ephemera.v1.QuestionTally.$Properties instead.
         */
        interface IQuestionTally extends ephemera.v1.QuestionTally.$Properties {
        }

        /** Represents a QuestionTally. */
        class QuestionTally {

            /**
             * Constructs a new QuestionTally.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.QuestionTally.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** QuestionTally counts. */
            counts: number[];

            /**
             * Creates a new QuestionTally instance using the specified properties.
             * @param [properties] Properties to set
             * @returns QuestionTally instance
             */
            static create(properties: ephemera.v1.QuestionTally.$Shape): ephemera.v1.QuestionTally & ephemera.v1.QuestionTally.$Shape;
            static create(properties?: ephemera.v1.QuestionTally.$Properties): ephemera.v1.QuestionTally;

            /**
             * Encodes the specified QuestionTally message. Does not implicitly {@link ephemera.v1.QuestionTally.verify|verify} messages.
             * @param message QuestionTally message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.QuestionTally.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a QuestionTally message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.QuestionTally & ephemera.v1.QuestionTally.$Shape} QuestionTally
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.QuestionTally & ephemera.v1.QuestionTally.$Shape;

            /**
             * Gets the type url for QuestionTally
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace QuestionTally {

            /** Properties of a QuestionTally. */
            interface $Properties {

                /** QuestionTally counts */
                counts?: (number[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a QuestionTally. */
            type $Shape = ephemera.v1.QuestionTally.$Properties;
        }

        /**
         * Properties of a PollText.
         * @deprecated Use ephemera.v1.PollText.$Properties instead.
         */
        interface IPollText extends ephemera.v1.PollText.$Properties {
        }

        /** Represents a PollText. */
        class PollText {

            /**
             * Constructs a new PollText.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.PollText.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PollText questions. */
            questions: ephemera.v1.Question.$Properties[];

            /**
             * Creates a new PollText instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PollText instance
             */
            static create(properties: ephemera.v1.PollText.$Shape): ephemera.v1.PollText & ephemera.v1.PollText.$Shape;
            static create(properties?: ephemera.v1.PollText.$Properties): ephemera.v1.PollText;

            /**
             * Encodes the specified PollText message. Does not implicitly {@link ephemera.v1.PollText.verify|verify} messages.
             * @param message PollText message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.PollText.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PollText message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.PollText & ephemera.v1.PollText.$Shape} PollText
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.PollText & ephemera.v1.PollText.$Shape;

            /**
             * Gets the type url for PollText
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace PollText {

            /** Properties of a PollText. */
            interface $Properties {

                /** PollText questions */
                questions?: (ephemera.v1.Question.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PollText. */
            type $Shape = ephemera.v1.PollText.$Properties;
        }

        /**
         * Properties of a Question.
         * @deprecated Use ephemera.v1.Question.$Properties instead.
         */
        interface IQuestion extends ephemera.v1.Question.$Properties {
        }

        /** Represents a Question. */
        class Question {

            /**
             * Constructs a new Question.
             * @param [properties] Properties to set
             */
            constructor(properties?: ephemera.v1.Question.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Question text. */
            text: string;

            /** Question options. */
            options: string[];

            /**
             * Creates a new Question instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Question instance
             */
            static create(properties: ephemera.v1.Question.$Shape): ephemera.v1.Question & ephemera.v1.Question.$Shape;
            static create(properties?: ephemera.v1.Question.$Properties): ephemera.v1.Question;

            /**
             * Encodes the specified Question message. Does not implicitly {@link ephemera.v1.Question.verify|verify} messages.
             * @param message Question message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: ephemera.v1.Question.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Question message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {ephemera.v1.Question & ephemera.v1.Question.$Shape} Question
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): ephemera.v1.Question & ephemera.v1.Question.$Shape;

            /**
             * Gets the type url for Question
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Question {

            /** Properties of a Question. */
            interface $Properties {

                /** Question text */
                text?: (string|null);

                /** Question options */
                options?: (string[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Question. */
            type $Shape = ephemera.v1.Question.$Properties;
        }
    }
}
